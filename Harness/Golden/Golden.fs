/// Golden snapshots of our reproduced tables (golden/<profile>/) and the two ways results are checked against them:
/// bit for bit where the platform that made them matches the snapshot's (the strongest regression check there is),
/// and within tolerances measured across platforms elsewhere (libtorch's rounding differs with CPU kernels and thread
/// counts, and training amplifies it like a new seed).
module Repro.Harness.Golden

open System
open System.IO
open System.Text
open Repro.Core.Native
open Repro.Harness.RunStore
open Repro.Harness.Tables

type GoldenCell =
    { Table: string
      Row: string
      Column: string
      Metric: string
      /// The exact mean over seeds (no rounding: the exact layer compares bits).
      Mean: float
      N: int }

/// One run's metrics, for the exact layer (timings left out: they are not results).
type GoldenRun =
    { Label: string
      Hash: string
      Metrics: Map<string, float> }

type Snapshot =
    { Profile: string
      /// The platform every run of the snapshot was made on; None when unknown or mixed (then only the statistical
      /// layer can apply).
      Platform: PlatformFingerprint option
      Cells: GoldenCell list
      Runs: GoldenRun list }

type Tolerance =
    { Metric: string
      /// Largest |fresh − golden| of one cell that still passes.
      Absolute: float
      /// Largest |fresh − golden| of a table's mean over the cells both have (averaging cancels noise, so a small
      /// shift of many cells shows here first); None: not checked.
      TableMean: float option
      /// Why these bounds: the measurement behind them and the command that made it.
      Justification: string }

/// The platform a record was made on (None for records made before fingerprints were recorded).
let platformOf (r: RunRecord) =
    match r.Environment.TryFind "platform" with
    | Some json -> Some(CanonicalJson.deserialize<PlatformFingerprint> json)
    | None -> None

/// The one platform all `records` share, or None.
let commonPlatform (records: RunRecord list) =
    match records |> List.map platformOf |> List.distinct with
    | [ Some p ] -> Some p
    | _ -> None

let private isTiming (metric: string) = metric.Contains "seconds"

let snapshotOf (profile: string) (tables: TableResult list) (records: RunRecord list) =
    let ok = records |> List.filter (fun r -> r.Status = Succeeded) |> List.sortBy (fun r -> r.Label, r.Hash)
    { Profile = profile
      Platform = commonPlatform ok
      Cells =
        [ for t in tables do
            for c in t.Cells do
                match c.Ours with
                | Measured m -> { Table = t.Table.Id; Row = c.Row; Column = c.Column; Metric = t.MetricKey; Mean = m.Mean; N = m.N }
                | _ -> () ]
      Runs = [ for r in ok -> { Label = r.Label; Hash = r.Hash; Metrics = r.Metrics |> Map.filter (fun k _ -> not (isTiming k)) } ] }

let snapshotPath (goldenRoot: string) (profile: string) = Path.Combine(goldenRoot, profile, "results.json")
let tolerancePath (goldenRoot: string) (profile: string) = Path.Combine(goldenRoot, profile, "tolerances.json")

let private cellKey (c: GoldenCell) = sprintf "%s/%s/%s" c.Table c.Row c.Column

/// Cells and runs that carry no signal: a snapshot of them cannot see a regression. Cells at 0 (or not finite),
/// rows of one table that measure exactly the same value in a column, segmentation at or below the best constant
/// predictor, pseudo-label sets without boxes. `records` are the snapshot's runs, `cellRecords` a cell's runs.
let degenerate (snapshot: Snapshot) (cellRecords: GoldenCell -> RunRecord list) (records: RunRecord list) =
    [ if snapshot.Cells.IsEmpty then "the snapshot has no measured cell"
      for c in snapshot.Cells do
          if not (Double.IsFinite c.Mean) || c.Mean = 0.0 then sprintf "%s: %s is %g" (cellKey c) c.Metric c.Mean
          let constant = [ for r in cellRecords c do match r.Metrics.TryFind "mIoU_constant" with Some v -> v | None -> () ]
          if not constant.IsEmpty && c.Mean <= List.average constant then
              sprintf "%s: mIoU %.4f is not above the constant predictor's %.4f" (cellKey c) c.Mean (List.average constant)
      for (table, column), cells in snapshot.Cells |> List.groupBy (fun c -> c.Table, c.Column) do
          for _, same in cells |> List.groupBy (fun c -> c.Mean) do
              if same.Length > 1 then
                  sprintf "%s/%s: rows %s all measure %g" table column (String.Join(", ", same |> List.map (fun c -> c.Row))) same.Head.Mean
      for r in records do
          match r.Metrics.TryFind "boxes_per_image" with
          | Some 0.0 -> sprintf "%s: no pseudo box kept" r.Label
          | _ -> () ]

type Layer =
    | Exact
    | Statistical

type Verdict =
    | Same
    | Moved
    | Missing
    | New

type Comparison =
    { Item: string
      Golden: float option
      Fresh: float option
      Tolerance: float option
      Verdict: Verdict }

type Outcome =
    { Layer: Layer
      /// Why this layer: the platforms compared.
      Reason: string
      Comparisons: Comparison list
      /// With the statistical layer, fresh results that carry no signal fail too (see `degenerate`).
      Degenerate: string list }

    member o.Passed =
        o.Degenerate.IsEmpty && o.Comparisons |> List.forall (fun c -> c.Verdict = Same || c.Verdict = New)

/// Which layer applies to fresh records: exact when they were all made on the snapshot's platform.
let chooseLayer (snapshot: Snapshot) (fresh: RunRecord list) =
    let made = fresh |> List.filter (fun r -> r.Status = Succeeded)
    match snapshot.Platform, commonPlatform made with
    | None, _ -> Statistical, "the snapshot records no single platform"
    | Some _, None when made.IsEmpty -> Statistical, "no fresh run to compare"
    | Some _, None -> Statistical, "the fresh runs were made on several or unrecorded platforms"
    | Some g, Some f when g = f -> Exact, sprintf "fresh runs and snapshot share the platform (%s)" g.Key
    | Some g, Some f -> Statistical, sprintf "platform differs from the snapshot's: %s" (String.Join("; ", f.DifferencesFrom g))

let private sameBits (a: float) (b: float) = BitConverter.DoubleToInt64Bits a = BitConverter.DoubleToInt64Bits b

/// Compares fresh results with the snapshot. `partial`: only a selection of the grid was run (`--only`), so golden
/// cells and runs without a fresh counterpart are out of scope rather than missing.
let compare (layer: Layer) (tolerances: Tolerance list) (partial: bool) (golden: Snapshot) (fresh: Snapshot) =
    let freshCells = fresh.Cells |> List.map (fun c -> cellKey c, c) |> Map.ofList
    let goldenKeys = golden.Cells |> List.map cellKey |> set
    let tolOf (metric: string) =
        match tolerances |> List.tryFind (fun t -> t.Metric = metric) with
        | Some t -> t
        | None -> raise (InvalidDataException(sprintf "no tolerance for metric '%s' in the golden tolerances" metric))
    let within (tol: float) (g: float) (f: float) =
        match layer with
        | Exact -> sameBits g f
        | Statistical -> abs (f - g) <= tol + 1e-9
    let cells =
        [ for g in golden.Cells do
            let tol = match layer with Exact -> 0.0 | Statistical -> (tolOf g.Metric).Absolute
            match freshCells.TryFind(cellKey g) with
            | None when partial -> ()
            | None -> { Item = cellKey g; Golden = Some g.Mean; Fresh = None; Tolerance = Some tol; Verdict = Missing }
            | Some f -> { Item = cellKey g; Golden = Some g.Mean; Fresh = Some f.Mean; Tolerance = Some tol
                          Verdict = if within tol g.Mean f.Mean then Same else Moved }
          for f in fresh.Cells do
            if not (goldenKeys.Contains(cellKey f)) then
                { Item = cellKey f; Golden = None; Fresh = Some f.Mean; Tolerance = None; Verdict = New } ]
    let tableMeans =
        match layer with
        | Exact -> []
        | Statistical ->
            [ for (table, metric), gs in golden.Cells |> List.groupBy (fun c -> c.Table, c.Metric) do
                match (tolOf metric).TableMean with
                | None -> ()
                | Some tol ->
                    let pairs = gs |> List.choose (fun g -> freshCells.TryFind(cellKey g) |> Option.map (fun f -> g.Mean, f.Mean))
                    if pairs.Length > 1 then
                        let gm, fm = pairs |> List.averageBy fst, pairs |> List.averageBy snd
                        { Item = sprintf "%s (mean of %d cells)" table pairs.Length; Golden = Some gm; Fresh = Some fm; Tolerance = Some tol
                          Verdict = if abs (fm - gm) <= tol + 1e-9 then Same else Moved } ]
    let runs =
        match layer with
        | Statistical -> []
        | Exact ->
            // A run is matched by its name (config hash); a snapshot run whose name is gone is matched by label to a
            // fresh run the snapshot does not have, i.e. a rename. Labels need not be unique; names are.
            let freshByHash = fresh.Runs |> List.map (fun r -> r.Hash, r) |> Map.ofList
            let goldenHashes = golden.Runs |> List.map (fun r -> r.Hash) |> Set.ofList
            let renamed (g: GoldenRun) = fresh.Runs |> List.tryFind (fun f -> f.Label = g.Label && not (goldenHashes.Contains f.Hash))
            [ for g in golden.Runs do
                match freshByHash.TryFind g.Hash |> Option.orElse (renamed g) with
                | None when partial -> ()
                | None -> { Item = sprintf "run %s" g.Label; Golden = None; Fresh = None; Tolerance = None; Verdict = Missing }
                | Some f when f.Hash <> g.Hash ->
                    { Item = sprintf "run %s renamed %s -> %s (its config changed)" g.Label g.Hash f.Hash; Golden = None; Fresh = None; Tolerance = None; Verdict = Moved }
                | Some f ->
                    for KeyValue(k, v) in g.Metrics do
                        match f.Metrics.TryFind k with
                        | Some fv when sameBits v fv -> ()
                        | fv -> { Item = sprintf "run %s: %s" g.Label k; Golden = Some v; Fresh = fv; Tolerance = Some 0.0
                                  Verdict = if fv.IsSome then Moved else Missing } ]
    cells @ tableMeans @ runs

/// A readable diff: every comparison that is not Same, with golden, fresh, delta and tolerance.
let diffReport (outcome: Outcome) =
    let sb = StringBuilder()
    let line (s: string) = sb.AppendLine s |> ignore
    let num (v: float option) =
        match v, outcome.Layer with
        | Some x, Exact -> x.ToString("R", Globalization.CultureInfo.InvariantCulture)
        | Some x, Statistical -> sprintf "%.2f" x
        | None, _ -> "-"
    let count v = outcome.Comparisons |> List.filter (fun c -> c.Verdict = v) |> List.length
    line (sprintf "layer: %s (%s)" (match outcome.Layer with Exact -> "exact, bit for bit" | Statistical -> "statistical, measured tolerances") outcome.Reason)
    line (sprintf "%d within tolerance, %d moved, %d missing, %d new" (count Same) (count Moved) (count Missing) (count New))
    let changed = outcome.Comparisons |> List.filter (fun c -> c.Verdict <> Same)
    if not changed.IsEmpty then
        line (sprintf "%-60s %10s %10s %8s %6s  %s" "cell" "golden" "fresh" "delta" "tol" "verdict")
        for c in changed do
            let delta = match c.Golden, c.Fresh with Some g, Some f -> sprintf "%+.2f" (f - g) | _ -> "-"
            let tol = match c.Tolerance with Some t -> sprintf "%.2f" t | None -> "-"
            line (sprintf "%-60s %10s %10s %8s %6s  %A" c.Item (num c.Golden) (num c.Fresh) delta tol c.Verdict)
    for d in outcome.Degenerate do line (sprintf "degenerate: %s" d)
    sb.ToString()

let readSnapshot (path: string) : Snapshot =
    if not (File.Exists path) then
        raise (FileNotFoundException(sprintf "no golden snapshot at %s: run `repro golden update` (or `dotnet fake build -t UpdateGolden`) to create it" path, path))
    CanonicalJson.readFile<Snapshot> path

let readTolerances (path: string) : Tolerance list =
    if not (File.Exists path) then raise (FileNotFoundException(sprintf "no golden tolerances at %s" path, path))
    CanonicalJson.readFile<Tolerance list> path

let writeSnapshot (path: string) (snapshot: Snapshot) =
    Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
    Repro.Core.AtomicFile.WriteAllText(path, CanonicalJson.pretty snapshot + "\n")

/// A profile's snapshots: the primary (results.json, which the statistical layer and its measured tolerances refer
/// to) and one per further platform the same results were recorded on (platforms/<digest>.json), each checked bit
/// for bit where the fresh runs share its platform.
type Snapshots =
    { Primary: Snapshot
      OnOtherPlatforms: Snapshot list }

/// Where the snapshot recorded on `platform` lives, when it is not the primary's.
let platformSnapshotPath (goldenRoot: string) (profile: string) (platform: PlatformFingerprint) =
    Path.Combine(goldenRoot, profile, "platforms", CanonicalJson.hashOf platform.Key + ".json")

/// The files of the snapshots recorded on platforms other than the primary's.
let otherPlatformSnapshots (goldenRoot: string) (profile: string) =
    let folder = Path.Combine(goldenRoot, profile, "platforms")
    if Directory.Exists folder then Directory.GetFiles(folder, "*.json") |> Array.sort |> List.ofArray else []

let readSnapshots (goldenRoot: string) (profile: string) =
    { Primary = readSnapshot (snapshotPath goldenRoot profile)
      OnOtherPlatforms = otherPlatformSnapshots goldenRoot profile |> List.map readSnapshot }

/// The snapshot fresh records are checked against, and how: exact against the snapshot of their own platform
/// where one was recorded (the primary or another), else statistical against the primary.
let chooseSnapshot (snapshots: Snapshots) (fresh: RunRecord list) =
    let own =
        match commonPlatform (fresh |> List.filter (fun r -> r.Status = Succeeded)) with
        | Some f when snapshots.Primary.Platform <> Some f -> snapshots.OnOtherPlatforms |> List.tryFind (fun s -> s.Platform = Some f)
        | _ -> None
    match own with
    | Some s -> s, Exact, sprintf "fresh runs share the platform of the snapshot recorded on it (%s)" s.Platform.Value.Key
    | None ->
        let layer, reason = chooseLayer snapshots.Primary fresh
        let reason =
            if layer = Statistical && not snapshots.OnOtherPlatforms.IsEmpty then
                reason + sprintf " (nor any of the %d other platforms with a snapshot)" snapshots.OnOtherPlatforms.Length
            else reason
        snapshots.Primary, layer, reason

/// Cross-platform spread of one metric: how far replays under other platforms moved from the snapshot.
type Spread =
    { Metric: string
      Cells: int
      MaxCell: float
      SdCell: float
      MaxTableMean: float }

/// The bounds a spread supports: a cell max(1.5 x largest, 3 x rms); a table mean max(1.5 x largest, 3 x rms / sqrt 2)
/// (few table means are sampled; independent cell moves of rms r move a mean of k >= 2 cells by r / sqrt k, so
/// 3 r / sqrt 2 bounds it even where the sample did not reach). Rounded up to 0.01.
let boundsOf (s: Spread) =
    let roundUp (x: float) = Math.Ceiling(x * 100.0) / 100.0
    roundUp (max 0.01 (max (1.5 * s.MaxCell) (3.0 * s.SdCell))),
    roundUp (max 0.01 (max (1.5 * s.MaxTableMean) (3.0 * s.SdCell / sqrt 2.0)))

/// `measured` (from this machine's replays) merged into the tolerances a file already holds: a bound only widens
/// (another machine's measurement stays in force; tightening is a decision made by editing the file), and the
/// justification keeps every measurement behind it.
let mergeTolerances (existing: Tolerance list) (measured: Tolerance list) =
    let merged =
        [ for m in measured do
            match existing |> List.tryFind (fun e -> e.Metric = m.Metric) with
            | None -> m
            | Some e ->
                { Metric = m.Metric
                  Absolute = max e.Absolute m.Absolute
                  // A table mean the file leaves unchecked stays unchecked.
                  TableMean = (match e.TableMean, m.TableMean with Some a, Some b -> Some(max a b) | _ -> None)
                  Justification =
                    let larger = " Each bound is the larger of these measurements'."
                    e.Justification.Replace(larger, "") + " Then: " + m.Justification + larger } ]
    merged @ (existing |> List.filter (fun e -> not (measured |> List.exists (fun m -> m.Metric = e.Metric))))

/// The spread of each metric over `variants` (name, fresh snapshot), cell by cell and per table mean.
let spread (golden: Snapshot) (variants: (string * Snapshot) list) =
    let goldenCells = golden.Cells |> List.map (fun c -> cellKey c, c) |> Map.ofList
    [ for metric, _ in golden.Cells |> List.groupBy (fun c -> c.Metric) do
        let deltas =
            [ for _, v in variants do
                for f in v.Cells do
                    match goldenCells.TryFind(cellKey f) with
                    | Some g when g.Metric = metric -> g.Table, f.Mean - g.Mean
                    | _ -> () ]
        if not deltas.IsEmpty then
            let ds = deltas |> List.map snd
            let tableMeans =
                [ for _, v in variants do
                    for _, byTable in v.Cells |> List.filter (fun f -> f.Metric = metric && goldenCells.ContainsKey(cellKey f)) |> List.groupBy (fun f -> f.Table) do
                        if byTable.Length > 1 then abs (byTable |> List.averageBy (fun f -> f.Mean - goldenCells.[cellKey f].Mean)) ]
            { Metric = metric; Cells = ds.Length; MaxCell = ds |> List.map abs |> List.max
              SdCell = sqrt (ds |> List.averageBy (fun d -> d * d))
              MaxTableMean = if tableMeans.IsEmpty then 0.0 else List.max tableMeans } ]
