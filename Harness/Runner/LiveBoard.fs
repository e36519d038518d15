/// The live display of a sweep on a terminal, for runs in this process and runs in workers alike: what is known about
/// the sweep (a snapshot), a pure layout from (width, height, snapshot) to lines, and the Spectre.Console live view
/// that redraws that layout. The layout is its own code rather than Spectre's progress columns because those
/// collapse the description to a single "…" when the columns do not fit the terminal.
module Repro.Harness.LiveBoard

open System
open System.Diagnostics
open Spectre.Console
open Repro.Harness.RunStore

/// A duration as progress lines print it: "1h05m", "4m12s", "37s".
let duration (s: float) =
    let t = TimeSpan.FromSeconds(max 0.0 s)
    if t.TotalHours >= 1.0 then sprintf "%dh%02dm" (int t.TotalHours) t.Minutes
    elif t.TotalMinutes >= 1.0 then sprintf "%dm%02ds" t.Minutes t.Seconds
    else sprintf "%.0fs" t.TotalSeconds

/// The one number a progress line shows for a finished run: its task metric, or what a prerequisite produced.
let headline (metrics: Map<string, float>) =
    [ "AP"; "mIoU"; "linear_probe_top1"; "top1"; "boxes_per_image" ]
    |> List.tryPick (fun k -> metrics.TryFind k |> Option.map (fun v -> sprintf "%s %.2f" k v))
    |> Option.defaultValue "done"

/// A run that is executing: steps and ETA as its trainer last reported them (Total 0: no report yet).
type Running =
    { Index: int
      Label: string
      Estimate: float
      Step: int64
      Total: int64
      Eta: float }

/// A run that ended: its headline number, or why it failed.
type Ended =
    { Index: int
      Label: string
      Outcome: string
      Failed: bool
      WallSeconds: float }

type Snapshot =
    { Runs: int
      /// Estimated seconds of all runs of the sweep, and of those that ended.
      TotalEstimate: float
      DoneEstimate: float
      SweepEta: float
      Running: Running list
      /// In the order they ended.
      Ended: Ended list }

type Tone =
    | Plain
    | Good
    | Bad

/// `s` cut to `w` characters, the cut marked by an ellipsis.
let fit (w: int) (s: string) =
    if s.Length <= w then s
    elif w <= 0 then ""
    else s.Substring(0, w - 1) + "…"

let private bar (w: int) (fraction: float) =
    let filled = int (Math.Round(float w * Math.Clamp(fraction, 0.0, 1.0)))
    String('━', filled) + String('─', w - filled)

/// Rows of (label, fraction done, stats) laid out in `width`: labels share one column so the bars line up. What gives
/// way when space runs out, in order: the bar shrinks (to 10), the label column shrinks (to 12, truncating labels),
/// the bar goes, the label column shrinks further, the stats after the first go; a last cut keeps every line in width.
let private progressRows (width: int) (rows: (string * float * string list) list) =
    let gap = 2
    let labelMax = rows |> List.map (fun (l, _, _) -> l.Length) |> List.fold max 0
    let statsOf keep (stats: string list) = String.Join("  ", List.truncate keep stats)
    let statsW keep = rows |> List.map (fun (_, _, s) -> (statsOf keep s).Length) |> List.fold max 0
    let fullStats = rows |> List.map (fun (_, _, s) -> s.Length) |> List.fold max 1
    let withBar = width - statsW fullStats - 2 * gap
    let labelW, barW, keep =
        if withBar - labelMax >= 10 then labelMax, min 40 (withBar - labelMax), fullStats
        elif withBar >= 12 + 10 then withBar - 10, 10, fullStats
        elif width - statsW fullStats - gap >= min labelMax 12 then min labelMax (width - statsW fullStats - gap), 0, fullStats
        else min labelMax (max 1 (width - statsW 1 - gap)), 0, 1
    rows
    |> List.map (fun (label, fraction, stats) ->
        let cells =
            [ (fit labelW label).PadRight labelW
              if barW > 0 then bar barW fraction
              statsOf keep stats ]
        fit width (String.Join(String(' ', gap), cells).TrimEnd()))

/// The display's lines for a terminal `width` wide and `height` high (None: no limit, the final print): the sweep's
/// bar, one row per running run, and the runs that ended with their headline number (the latest ones, when they do not
/// all fit, under a line counting the others). Every line is at most `width` characters.
let layout (width: int) (height: int option) (s: Snapshot) : (string * Tone) list =
    let width = max 1 width
    let ended = s.Ended.Length
    let partial = s.Running |> List.sumBy (fun r -> if r.Total > 0L then r.Estimate * float r.Step / float r.Total else 0.0)
    let fraction = if s.TotalEstimate > 0.0 then (s.DoneEstimate + partial) / s.TotalEstimate else 0.0
    let sweepRow =
        sprintf "sweep %d/%d" ended s.Runs, fraction,
        [ sprintf "%3.0f%%" (100.0 * Math.Clamp(fraction, 0.0, 1.0)); sprintf "left ~%s" (duration s.SweepEta) ]
    let runRows =
        s.Running
        |> List.map (fun r ->
            let label = sprintf "[%d/%d] %s" r.Index s.Runs r.Label
            if r.Total > 0L then label, float r.Step / float r.Total, [ sprintf "%d/%d" r.Step r.Total; sprintf "eta %s" (duration r.Eta) ]
            else label, 0.0, [ "starting" ])
    let live = progressRows width (sweepRow :: runRows) |> List.map (fun l -> l, Plain)
    let endedLine (e: Ended) =
        let mark, tone = if e.Failed then "✗", Bad else "✓", Good
        let outcome = sprintf "%s (%s)" (if e.Failed then "FAILED: " + e.Outcome else e.Outcome) (duration e.WallSeconds)
        // The outcome is what this line is for: the label gives way first (down to 12 characters).
        let label = sprintf "[%d/%d] %s" e.Index s.Runs e.Label
        let labelW = max (min label.Length 12) (width - 2 - outcome.Length - 2)
        fit width (sprintf "%s %s  %s" mark (fit labelW label) outcome), tone
    let room = match height with Some h -> max 0 (h - live.Length - 1) | None -> Int32.MaxValue
    let shown =
        if ended <= room then s.Ended |> List.map endedLine
        elif room = 0 then []
        else
            let earlier = ended - (room - 1)
            let failed = s.Ended |> List.take earlier |> List.filter (fun e -> e.Failed) |> List.length
            (fit width (sprintf "… %d earlier runs ended (%d failed)" earlier failed), Plain)
            :: (s.Ended |> List.skip earlier |> List.map endedLine)
    live @ shown

/// The sweep's state as runs start, step and end (from any thread), with the sweep's ETA: the running runs' longest
/// ETA and the runs not started scaled by how wall time compared with estimates so far. `workers` runs at a time.
type Board(runs: int, totalEstimate: float, workers: int) =
    let gate = obj ()
    let clock = Stopwatch.StartNew()
    let mutable running: Running list = []
    let mutable ended: Ended list = []
    let mutable doneEstimate = 0.0
    /// Wall seconds per estimated second (workers overlap, so it starts at 1/workers).
    member _.Ratio = lock gate (fun () -> if doneEstimate > 0.0 then clock.Elapsed.TotalSeconds / doneEstimate else 1.0 / float workers)
    member _.Start(index: int, label: string, estimate: float) =
        lock gate (fun () ->
            running <- running @ [ { Index = index; Label = label; Estimate = estimate; Step = 0L; Total = 0L; Eta = nan } ])
    member _.Step(index: int, step: int64, total: int64, eta: float) =
        lock gate (fun () ->
            running <- running |> List.map (fun r -> if r.Index = index then { r with Step = step; Total = total; Eta = eta } else r))
    member _.Finish(index: int, record: RunRecord) =
        lock gate (fun () ->
            match running |> List.tryFind (fun r -> r.Index = index) with
            | Some r ->
                running <- running |> List.filter (fun x -> x.Index <> index)
                doneEstimate <- doneEstimate + r.Estimate
                let failed = record.Status = Failed
                let outcome = if failed then defaultArg record.Error "?" else headline record.Metrics
                ended <- ended @ [ { Index = index; Label = r.Label; Outcome = outcome; Failed = failed; WallSeconds = record.WallSeconds } ]
            | None -> ())
    /// A run that stopped without ending (Ctrl-C): it leaves the running rows.
    member _.Drop(index: int) = lock gate (fun () -> running <- running |> List.filter (fun r -> r.Index <> index))
    member this.Snapshot() =
        let ratio = this.Ratio
        lock gate (fun () ->
            let runLeft (r: Running) = if Double.IsNaN r.Eta then r.Estimate * ratio * float workers else r.Eta
            let runningLeft = running |> List.map runLeft |> List.fold max 0.0
            let notStarted = totalEstimate - doneEstimate - (running |> List.sumBy (fun r -> r.Estimate))
            let rest = max 0.0 notStarted * ratio
            { Runs = runs; TotalEstimate = totalEstimate; DoneEstimate = doneEstimate
              SweepEta = (if workers > 1 then max runningLeft rest else runningLeft + rest)
              Running = running; Ended = ended })

let private render (lines: (string * Tone) list) : Rendering.IRenderable =
    let style = function Plain -> Style.Plain | Good -> Style(Color.Green) | Bad -> Style(Color.Red)
    Rows(lines |> List.map (fun (l, t) -> Text(l, style t) :> Rendering.IRenderable))

/// Runs `work` while `board` is shown live on `console` (redrawn four times a second at the terminal's current size);
/// afterwards (also when `work` throws, e.g. on Ctrl-C) the whole board is printed once, every run that ended included.
let show (console: IAnsiConsole) (board: Board) (work: unit -> 'a) : 'a =
    let frame () = render (layout console.Profile.Width (Some console.Profile.Height) (board.Snapshot()))
    try
        console.Live(frame ()).AutoClear(true).Overflow(VerticalOverflow.Crop).Cropping(VerticalOverflowCropping.Bottom)
            .Start(fun ctx ->
                let timer = new Threading.Timer((fun _ -> ctx.UpdateTarget(frame ())), null, 250, 250)
                try work ()
                finally
                    // Wait out a redraw in flight: none may come after the live view has ended.
                    use stopped = new Threading.ManualResetEvent(false)
                    if timer.Dispose stopped then stopped.WaitOne() |> ignore)
    finally
        console.Write(render (layout console.Profile.Width None (board.Snapshot())))
