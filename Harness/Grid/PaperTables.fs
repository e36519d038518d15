/// The paper's tables as data (paper-tables/*.json): rows and columns name grid coordinates, cells carry the
/// published value, its provenance and, where Appendix H gives it, the cell's schedule. Loading parses the paper's
/// vocabulary into Domain types once and validates every file; an error names the file and the field.
module Repro.Harness.PaperTables

open System
open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Repro.Harness.Domain

/// Where a published number comes from.
type Provenance =
    /// Checked against the paper, at the place named: "Table 3", "Appendix H", "§3.1 text", "Figure 2".
    | Source of string
    /// Commonly cited, not checked against the paper; every output showing it keeps a † beside it.
    | Unverified
    /// The paper has the cell but no number for it (e.g. plotted only): value null.
    | Unknown

    member p.Id = match p with Source s -> s | Unverified -> "unverified" | Unknown -> "unknown"

/// Grid coordinates a row, column or table fixes. Every field is optional: a cell's coordinates are the union of
/// its table's `fixed`, its row's and its column's.
type Coordinates =
    { Init: Init option
      SelfTraining: bool option
      JointTraining: bool option
      LossNormalization: bool option
      StudentFromTeacher: bool option
      Unlabeled: UnlabeledSource option
      Augment: AugmentLevel option
      Fraction: float option
      LabelledSet: string option }

    static member Empty =
        { Init = None; SelfTraining = None; JointTraining = None; LossNormalization = None; StudentFromTeacher = None
          Unlabeled = None; Augment = None; Fraction = None; LabelledSet = None }

    /// Right-biased merge: fields set in `other` win.
    member c.With(other: Coordinates) =
        let pick a b = match b with Some _ -> b | None -> a
        { Init = pick c.Init other.Init
          SelfTraining = pick c.SelfTraining other.SelfTraining
          JointTraining = pick c.JointTraining other.JointTraining
          LossNormalization = pick c.LossNormalization other.LossNormalization
          StudentFromTeacher = pick c.StudentFromTeacher other.StudentFromTeacher
          Unlabeled = pick c.Unlabeled other.Unlabeled
          Augment = pick c.Augment other.Augment
          Fraction = pick c.Fraction other.Fraction
          LabelledSet = pick c.LabelledSet other.LabelledSet }

type Axis =
    { Id: string
      Label: string
      DeltaFrom: string option
      Coordinates: Coordinates }

/// The paper's own training length for a cell (Appendix H): each cell at its optimal number of steps, and the
/// self-training cells' loss-normalization α.
type PaperSchedule =
    { Steps: int
      Alpha: float option
      Provenance: Provenance }

type PublishedCell =
    { Row: string
      Column: string
      Value: float option
      Provenance: Provenance
      Delta: float option
      DeltaProvenance: Provenance option
      Schedule: PaperSchedule option
      Note: string option }

/// A number the paper states about a table as a whole rather than in a cell (e.g. Appendix B's "+0.4 AP on
/// average"), or a reference result beside it.
type PublishedSummary =
    { Label: string
      Value: float option
      Delta: float option
      Provenance: Provenance }

type PaperTable =
    { Id: string
      /// The file it was loaded from (for errors that span tables).
      File: string
      Title: string
      Metric: string
      Task: Task
      Backbone: PaperBackbone
      Fixed: Coordinates
      Rows: Axis list
      Columns: Axis list
      Cells: PublishedCell list
      Summaries: PublishedSummary list
      Claims: int list
      Note: string option }

    member t.Cell(row: string, column: string) =
        t.Cells |> List.tryFind (fun c -> c.Row = row && c.Column = column)

    /// The full coordinates of the cell at (row, column).
    member t.CoordinatesOf(row: Axis, column: Axis) = t.Fixed.With(row.Coordinates).With(column.Coordinates)

type Claim = { Id: int; Text: string; Table: string }

let private fail (file: string) (field: string) (msg: string) =
    raise (InvalidDataException(sprintf "%s: %s: %s" file field msg))

/// Rejects properties the schema does not have: a misspelt key would otherwise be ignored silently.
let private onlyKeys (file: string) (field: string) (allowed: string list) (e: JsonElement) =
    for p in e.EnumerateObject() do
        if not (List.contains p.Name allowed) then
            fail file (sprintf "%s.%s" field p.Name) (sprintf "unknown property (expected one of: %s)" (String.Join(", ", allowed)))

let private str (file: string) (field: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.String -> v.GetString()
    | _ -> fail file (sprintf "%s.%s" field name) "missing or not a string"

let private optStr (file: string) (field: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.String -> Some(v.GetString())
    | true, _ -> fail file (sprintf "%s.%s" field name) "must be a string"
    | _ -> None

let private optNum (file: string) (field: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.Number -> Some(v.GetDouble())
    | true, v when v.ValueKind = JsonValueKind.Null -> None
    | true, _ -> fail file (sprintf "%s.%s" field name) "must be a number or null"
    | _ -> None

let private optBool (file: string) (field: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.True -> Some true
    | true, v when v.ValueKind = JsonValueKind.False -> Some false
    | true, _ -> fail file (sprintf "%s.%s" field name) "must be true or false"
    | _ -> None

let private sourcePattern = Regex(@"^(Table \d+|Appendix [A-H]|§\d+(\.\d+)* text|Figure \d+)$")

let private provenance (file: string) (field: string) (s: string) =
    match s with
    | "unverified" -> Unverified
    | "unknown" -> Unknown
    | s when sourcePattern.IsMatch s -> Source s
    | other ->
        fail file field (sprintf "provenance '%s' is not a source (\"Table N\", \"Appendix X\", \"§N.N text\", \"Figure N\"), \"unverified\" or \"unknown\"" other)

/// Parses one vocabulary value, turning the Domain parser's error into one naming the file and field.
let private parsed (file: string) (field: string) (parse: string -> 'T) (s: string) =
    try parse s with :? InvalidDataException as e -> fail file field e.Message

let private coordinateKeys =
    [ "init"; "selfTraining"; "jointTraining"; "lossNormalization"; "studentFromTeacher"; "unlabeled"; "augment"; "fraction"; "labelledSet" ]

let private coordinates (file: string) (field: string) (e: JsonElement) =
    let at name = sprintf "%s.%s" field name
    { Init = optStr file field e "init" |> Option.map (parsed file (at "init") Init.Parse)
      SelfTraining = optBool file field e "selfTraining"
      JointTraining = optBool file field e "jointTraining"
      LossNormalization = optBool file field e "lossNormalization"
      StudentFromTeacher = optBool file field e "studentFromTeacher"
      Unlabeled = optStr file field e "unlabeled" |> Option.map (parsed file (at "unlabeled") UnlabeledSource.Parse)
      Augment = optStr file field e "augment" |> Option.map (parsed file (at "augment") parseAugmentLevel)
      Fraction =
        optNum file field e "fraction"
        |> Option.map (fun f -> if f > 0.0 && f <= 1.0 then f else fail file (at "fraction") (sprintf "must be in (0, 1], got %g" f))
      LabelledSet =
        optStr file field e "labelledSet"
        |> Option.map (fun s -> if s = "train" || s = "trainaug" then s else fail file (at "labelledSet") (sprintf "'%s' is not train | trainaug" s)) }

let private array (file: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.Array -> v.EnumerateArray() |> List.ofSeq
    | _ -> fail file name "missing or not an array"

let private optArray (file: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, _ -> array file e name
    | _ -> []

/// The paper prints deltas rounded to 0.1 from values rounded to 0.1: a printed delta may differ from the
/// difference of the printed values by one rounding step at most.
let deltaRoundingSlack = 0.1 + 1e-9

let private cellKeys = [ "row"; "column"; "value"; "provenance"; "delta"; "deltaProvenance"; "steps"; "alpha"; "scheduleProvenance"; "note" ]

/// Loads and validates one table file.
let loadTable (file: string) : PaperTable =
    let doc =
        try JsonDocument.Parse(File.ReadAllText file)
        with :? JsonException as e -> raise (InvalidDataException(sprintf "%s: invalid JSON (%s)" file e.Message))
    let root = doc.RootElement
    onlyKeys file "(top level)" [ "id"; "title"; "metric"; "task"; "backbone"; "fixed"; "rows"; "columns"; "cells"; "summaries"; "claims"; "note" ] root
    let axis (kind: string) (i: int) (e: JsonElement) =
        let field = sprintf "%s[%d]" kind i
        onlyKeys file field ([ "id"; "label"; "deltaFrom" ] @ coordinateKeys) e
        { Id = str file field e "id"; Label = str file field e "label"; DeltaFrom = optStr file field e "deltaFrom"
          Coordinates = coordinates file field e }
    let rows = array file root "rows" |> List.mapi (axis "rows")
    let columns = array file root "columns" |> List.mapi (axis "columns")
    for kind, axes in [ "rows", rows; "columns", columns ] do
        match axes |> List.countBy (fun a -> a.Id) |> List.tryFind (fun (_, n) -> n > 1) with
        | Some(id, _) -> fail file kind (sprintf "id '%s' appears twice" id)
        | None -> ()
    for r in rows do
        match r.DeltaFrom with
        | Some d when not (rows |> List.exists (fun x -> x.Id = d)) -> fail file (sprintf "rows[%s].deltaFrom" r.Id) (sprintf "unknown row '%s'" d)
        | _ -> ()
    let cells =
        array file root "cells"
        |> List.mapi (fun i c ->
            let at = sprintf "cells[%d]" i
            onlyKeys file at cellKeys c
            let field f = sprintf "%s.%s" at f
            let row = str file at c "row"
            let column = str file at c "column"
            if not (rows |> List.exists (fun r -> r.Id = row)) then fail file (field "row") (sprintf "unknown row '%s'" row)
            if not (columns |> List.exists (fun r -> r.Id = column)) then fail file (field "column") (sprintf "unknown column '%s'" column)
            let value = optNum file at c "value"
            let prov = provenance file (field "provenance") (str file at c "provenance")
            if value.IsNone && prov <> Unknown then fail file (field "value") "a null value must have provenance 'unknown'"
            if value.IsSome && prov = Unknown then fail file (field "provenance") "'unknown' is for cells without a value"
            let schedule =
                match optNum file at c "steps" with
                | None ->
                    if (optNum file at c "alpha").IsSome then fail file (field "alpha") "an alpha needs the cell's steps beside it"
                    None
                | Some s ->
                    if s < 1.0 || s <> floor s then fail file (field "steps") (sprintf "must be a positive whole number, got %g" s)
                    let alpha = optNum file at c "alpha"
                    match alpha with
                    | Some a when not (a > 0.0) -> fail file (field "alpha") (sprintf "must be positive, got %g" a)
                    | _ -> ()
                    Some { Steps = int s; Alpha = alpha
                           Provenance = provenance file (field "scheduleProvenance") (str file at c "scheduleProvenance") }
            { Row = row; Column = column; Value = value; Provenance = prov
              Delta = optNum file at c "delta"
              DeltaProvenance = optStr file at c "deltaProvenance" |> Option.map (provenance file (field "deltaProvenance"))
              Schedule = schedule
              Note = optStr file at c "note" })
    let task = parsed file "task" Task.Parse (str file "(top level)" root "task")
    // The paper spells it "mIOU"; the table's cells compare with the records' metric of its task.
    let metric = str file "(top level)" root "metric"
    if not (String.Equals(metric, task.Metric, StringComparison.OrdinalIgnoreCase)) then
        fail file "metric" (sprintf "'%s' is not what a %A table reports (%s)" metric task task.Metric)
    // A paper table is a full grid: every row × column once.
    for r in rows do
        for col in columns do
            match cells |> List.filter (fun c -> c.Row = r.Id && c.Column = col.Id) with
            | [ _ ] -> ()
            | [] -> fail file "cells" (sprintf "no cell for row '%s', column '%s'" r.Id col.Id)
            | _ -> fail file "cells" (sprintf "row '%s', column '%s' has more than one cell" r.Id col.Id)
    // A printed delta must be the difference of the printed values where both rows have one.
    for c in cells do
        match c.Delta, c.Value, (rows |> List.find (fun r -> r.Id = c.Row)).DeltaFrom with
        | Some d, Some v, Some baseRow ->
            match (cells |> List.find (fun x -> x.Row = baseRow && x.Column = c.Column)).Value with
            | Some b when abs (d - (v - b)) > deltaRoundingSlack ->
                fail file (sprintf "cells[%s, %s].delta" c.Row c.Column)
                    (sprintf "%+.1f is not %.1f − %.1f (row '%s')" d v b baseRow)
            | _ -> ()
        | Some _, _, None -> fail file (sprintf "cells[%s, %s].delta" c.Row c.Column) "a delta needs the row's deltaFrom"
        | _ -> ()
    let summaries =
        optArray file root "summaries"
        |> List.mapi (fun i s ->
            let at = sprintf "summaries[%d]" i
            onlyKeys file at [ "label"; "value"; "delta"; "provenance" ] s
            { Label = str file at s "label"; Value = optNum file at s "value"; Delta = optNum file at s "delta"
              Provenance = provenance file (at + ".provenance") (str file at s "provenance") })
    { Id = str file "(top level)" root "id"
      File = file
      Title = str file "(top level)" root "title"
      Metric = metric
      Task = task
      Backbone = parsed file "backbone" PaperBackbone.Parse (str file "(top level)" root "backbone")
      Fixed = (match root.TryGetProperty "fixed" with
               | true, f -> onlyKeys file "fixed" coordinateKeys f; coordinates file "fixed" f
               | _ -> Coordinates.Empty)
      Rows = rows
      Columns = columns
      Cells = cells
      Summaries = summaries
      Claims = (match root.TryGetProperty "claims" with | true, v -> [ for x in v.EnumerateArray() -> x.GetInt32() ] | _ -> [])
      Note = optStr file "(top level)" root "note" }

/// Every result table in a folder (files with rows/columns/cells; notation.json and claims.json are not tables).
let loadAll (folder: string) : PaperTable list =
    if not (Directory.Exists folder) then raise (DirectoryNotFoundException(sprintf "paper tables folder not found: %s" folder))
    let tables =
        Directory.GetFiles(folder, "*.json")
        |> Array.sort
        |> Array.filter (fun f -> let n = Path.GetFileName f in n <> "notation.json" && n <> "claims.json")
        |> Array.map loadTable
        |> List.ofArray
    match tables |> List.countBy (fun t -> t.Id) |> List.tryFind (fun (_, n) -> n > 1) with
    | Some(id, _) -> raise (InvalidDataException(sprintf "%s: two tables have the id '%s'" folder id))
    | None -> tables

let loadClaims (folder: string) : Claim list =
    let file = Path.Combine(folder, "claims.json")
    use doc = JsonDocument.Parse(File.ReadAllText file)
    [ for c in array file doc.RootElement "claims" ->
        { Id = c.GetProperty("id").GetInt32(); Text = str file "claims[]" c "text"; Table = str file "claims[]" c "table" } ]

/// How the paper prints a value beside its delta: "(+1.3) 45.6", "(−1.0) 43.3"; unverified values get a dagger.
let formatPaperCell (cell: PublishedCell) =
    match cell.Value with
    | None -> "n/a"
    | Some v ->
        let dagger = if cell.Provenance = Unverified then "†" else ""
        match cell.Delta with
        | Some d -> sprintf "(%s%.1f) %.1f%s" (if d >= 0.0 then "+" else "-") (abs d) v dagger
        | None -> sprintf "%.1f%s" v dagger
