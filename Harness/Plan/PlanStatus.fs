/// Where a planned run stands, as `repro plan` shows and counts it.
module Repro.Harness.PlanStatus

type PlanStatus =
    | Blocked of why: string
    /// Queued or running as a Slurm array task (a record it has is a failure being retried).
    | UnderSlurm of state: string * task: string
    | Recorded of RunStore.RunStatus
    | ToDo of estimatedSeconds: float

    member s.Text =
        match s with
        | Blocked why -> "blocked: " + why
        | UnderSlurm(state, task) ->
            sprintf "%s under Slurm (task %s)" (match state with "PENDING" -> "queued" | st -> st.ToLowerInvariant()) task
        | Recorded RunStore.Succeeded -> "done"
        | Recorded RunStore.Failed -> "failed (use --retry-failed)"
        | ToDo seconds -> sprintf "to do (~%.0f s)" seconds

/// A run's status from its plan entry, its record and the Slurm tasks (state, task id) that hold this folder's runs.
let of' (slurm: Map<string, string * string>) (record: RunStore.RunRecord option) (run: RunKinds.PlannedRun) =
    match run, record with
    | RunKinds.Blocked b, _ -> Blocked b.Why
    | RunKinds.Runnable r, record when slurm.ContainsKey r.Hash && (record.IsNone || record.Value.Status = RunStore.Failed) ->
        UnderSlurm slurm.[r.Hash]
    | RunKinds.Runnable _, Some r -> Recorded r.Status
    | RunKinds.Runnable r, None -> ToDo r.EstimatedSeconds
