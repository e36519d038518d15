/// The paper's tables as data (paper-tables/*.json): rows and columns name grid coordinates, cells carry the
/// published value and its provenance. Loading validates the files and names the file and field on error.
module Repro.Harness.PaperTables

open System.IO
open System.Text.Json

type Provenance =
    | Text
    | Unverified
    | Unknown

/// Grid coordinates a row, column or table fixes. Every field is optional: a cell's coordinates are the union of
/// its table's `fixed`, its row's and its column's.
type Coordinates =
    { Init: string option
      SelfTraining: bool option
      JointTraining: bool option
      LossNormalization: bool option
      Augment: string option
      Fraction: float option
      LabelledSet: string option }

    static member Empty =
        { Init = None; SelfTraining = None; JointTraining = None; LossNormalization = None
          Augment = None; Fraction = None; LabelledSet = None }

    /// Right-biased merge: fields set in `other` win.
    member c.With(other: Coordinates) =
        let pick a b = match b with Some _ -> b | None -> a
        { Init = pick c.Init other.Init
          SelfTraining = pick c.SelfTraining other.SelfTraining
          JointTraining = pick c.JointTraining other.JointTraining
          LossNormalization = pick c.LossNormalization other.LossNormalization
          Augment = pick c.Augment other.Augment
          Fraction = pick c.Fraction other.Fraction
          LabelledSet = pick c.LabelledSet other.LabelledSet }

type Axis =
    { Id: string
      Label: string
      DeltaFrom: string option
      Coordinates: Coordinates }

type PublishedCell =
    { Row: string
      Column: string
      Value: float option
      Provenance: Provenance
      Delta: float option
      DeltaProvenance: Provenance option
      Note: string option }

type PaperTable =
    { Id: string
      Title: string
      Metric: string
      Task: string
      Backbone: string
      Fixed: Coordinates
      Rows: Axis list
      Columns: Axis list
      Cells: PublishedCell list
      Claims: int list
      Note: string option }

    member t.Cell(row: string, column: string) =
        t.Cells |> List.tryFind (fun c -> c.Row = row && c.Column = column)

    /// The full coordinates of the cell at (row, column).
    member t.CoordinatesOf(row: Axis, column: Axis) = t.Fixed.With(row.Coordinates).With(column.Coordinates)

type Claim = { Id: int; Text: string; Table: string }

let private fail (file: string) (field: string) (msg: string) =
    raise (InvalidDataException(sprintf "%s: %s: %s" file field msg))

let private str (file: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.String -> v.GetString()
    | _ -> fail file name "missing or not a string"

let private optStr (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.String -> Some(v.GetString())
    | _ -> None

let private optNum (file: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.Number -> Some(v.GetDouble())
    | true, v when v.ValueKind = JsonValueKind.Null -> None
    | true, _ -> fail file name "must be a number or null"
    | _ -> None

let private optBool (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.True -> Some true
    | true, v when v.ValueKind = JsonValueKind.False -> Some false
    | _ -> None

let private provenance (file: string) (field: string) (s: string) =
    match s with
    | "text" -> Text
    | "unverified" -> Unverified
    | "unknown" -> Unknown
    | other -> fail file field (sprintf "provenance '%s' is not one of text | unverified | unknown" other)

let private coordinates (e: JsonElement) =
    { Init = optStr e "init"
      SelfTraining = optBool e "selfTraining"
      JointTraining = optBool e "jointTraining"
      LossNormalization = optBool e "lossNormalization"
      Augment = optStr e "augment"
      Fraction = match e.TryGetProperty "fraction" with | true, v when v.ValueKind = JsonValueKind.Number -> Some(v.GetDouble()) | _ -> None
      LabelledSet = optStr e "labelledSet" }

let private array (file: string) (e: JsonElement) (name: string) =
    match e.TryGetProperty name with
    | true, v when v.ValueKind = JsonValueKind.Array -> v.EnumerateArray() |> List.ofSeq
    | _ -> fail file name "missing or not an array"

/// Loads and validates one table file.
let loadTable (file: string) : PaperTable =
    let doc =
        try JsonDocument.Parse(File.ReadAllText file)
        with :? JsonException as e -> raise (InvalidDataException(sprintf "%s: invalid JSON (%s)" file e.Message))
    let root = doc.RootElement
    let axis (kind: string) (i: int) (e: JsonElement) =
        { Id = str file e "id"; Label = str file e "label"; DeltaFrom = optStr e "deltaFrom"; Coordinates = coordinates e }
    let rows = array file root "rows" |> List.mapi (axis "rows")
    let columns = array file root "columns" |> List.mapi (axis "columns")
    let cells =
        array file root "cells"
        |> List.mapi (fun i c ->
            let field f = sprintf "cells[%d].%s" i f
            let row = str file c "row"
            let column = str file c "column"
            if not (rows |> List.exists (fun r -> r.Id = row)) then fail file (field "row") (sprintf "unknown row '%s'" row)
            if not (columns |> List.exists (fun r -> r.Id = column)) then fail file (field "column") (sprintf "unknown column '%s'" column)
            let value = optNum file c "value"
            let prov = provenance file (field "provenance") (str file c "provenance")
            if value.IsNone && prov <> Unknown then fail file (field "value") "null value must have provenance 'unknown'"
            { Row = row; Column = column; Value = value; Provenance = prov
              Delta = optNum file c "delta"
              DeltaProvenance = optStr c "deltaProvenance" |> Option.map (provenance file (field "deltaProvenance"))
              Note = optStr c "note" })
    for r in rows do
        match r.DeltaFrom with
        | Some d when not (rows |> List.exists (fun x -> x.Id = d)) -> fail file (sprintf "rows[%s].deltaFrom" r.Id) (sprintf "unknown row '%s'" d)
        | _ -> ()
    { Id = str file root "id"
      Title = str file root "title"
      Metric = str file root "metric"
      Task = str file root "task"
      Backbone = str file root "backbone"
      Fixed = (match root.TryGetProperty "fixed" with | true, f -> coordinates f | _ -> Coordinates.Empty)
      Rows = rows
      Columns = columns
      Cells = cells
      Claims = (match root.TryGetProperty "claims" with | true, v -> [ for x in v.EnumerateArray() -> x.GetInt32() ] | _ -> [])
      Note = optStr root "note" }

/// Every result table in a folder (files with rows/columns/cells; notation.json and claims.json are not tables).
let loadAll (folder: string) : PaperTable list =
    if not (Directory.Exists folder) then raise (DirectoryNotFoundException(sprintf "paper tables folder not found: %s" folder))
    Directory.GetFiles(folder, "*.json")
    |> Array.sort
    |> Array.filter (fun f -> let n = Path.GetFileName f in n <> "notation.json" && n <> "claims.json")
    |> Array.map loadTable
    |> List.ofArray

let loadClaims (folder: string) : Claim list =
    let file = Path.Combine(folder, "claims.json")
    use doc = JsonDocument.Parse(File.ReadAllText file)
    [ for c in array file doc.RootElement "claims" -> { Id = c.GetProperty("id").GetInt32(); Text = str file c "text"; Table = str file c "table" } ]

/// How the paper prints a value beside its delta: "(+1.3) 45.6", "(−1.0) 43.3"; unverified values get a dagger.
let formatPaperCell (cell: PublishedCell) =
    match cell.Value with
    | None -> "n/a"
    | Some v ->
        let dagger = if cell.Provenance = Unverified then "†" else ""
        match cell.Delta with
        | Some d -> sprintf "(%s%.1f) %.1f%s" (if d >= 0.0 then "+" else "-") (abs d) v dagger
        | None -> sprintf "%.1f%s" v dagger
