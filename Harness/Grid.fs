/// The paper's grid derived from its tables: every (row, column) of every table is a cell; cells shared between
/// tables (e.g. Rand Init at S4 and 100%) are one cell, run once per seed.
module Repro.Harness.Grid

open Repro.Harness.Domain
open Repro.Harness.PaperTables

/// The grid cell behind a table cell. Unset coordinates take the paper's defaults: Rand Init, 100% data, S4
/// (S1-style flips and jitter for segmentation), no self-/joint training, loss normalization on.
let cellOf (table: PaperTable) (row: Axis) (column: Axis) : Cell =
    let c = table.CoordinatesOf(row, column)
    let task = Task.Parse table.Task
    let selfTraining = defaultArg c.SelfTraining false
    { Task = task
      Backbone = table.Backbone
      Init = c.Init |> Option.map Init.Parse |> Option.defaultValue Rand
      Fraction = defaultArg c.Fraction 1.0
      Augment = c.Augment |> Option.map AugmentLevel.Parse |> Option.defaultValue (if task = Segmentation then S1 else S4)
      SelfTraining = selfTraining
      JointTraining = defaultArg c.JointTraining false
      // Loss normalization only exists in self-training; fixing it elsewhere makes equal runs equal cells.
      LossNormalization = (if selfTraining then defaultArg c.LossNormalization true else true)
      LabelledSet = c.LabelledSet }

/// (table id, row id, column id) → cell, for every cell of every table.
let tableCells (tables: PaperTable list) =
    [ for t in tables do
        for r in t.Rows do
            for c in t.Columns do
                (t.Id, r.Id, c.Id), cellOf t r c ]

/// The distinct cells of the grid, in first-appearance order.
let cells (tables: PaperTable list) = tableCells tables |> List.map snd |> List.distinct

/// The cell's key in records: the hash of its canonical JSON.
let keyOf (cell: Cell) = CanonicalJson.hashOf cell

/// Names table cells a profile runs: the rows × columns of one table ("*" alone stands for all of them).
type CellSelector =
    { Table: string
      Rows: string list
      Columns: string list }

/// The cells a profile's scope runs (every cell when it has none) and the cells left out of it, in grid order.
let scoped (scope: CellSelector list option) (tables: PaperTable list) =
    let all = cells tables
    match scope with
    | None -> all, []
    | Some selectors ->
        let known = tables |> List.map (fun t -> t.Id) |> Set.ofList
        for s in selectors do
            if not (known.Contains s.Table) then invalidArg "scope" (sprintf "profile scope names table '%s', which paper-tables has not" s.Table)
        let pick (wanted: string list) (id: string) = wanted = [ "*" ] || List.contains id wanted
        let inScope =
            tableCells tables
            |> List.filter (fun ((t, r, c), _) -> selectors |> List.exists (fun s -> s.Table = t && pick s.Rows r && pick s.Columns c))
            |> List.map snd |> Set.ofList
        all |> List.partition inScope.Contains
