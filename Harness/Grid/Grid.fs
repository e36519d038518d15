/// The paper's grid derived from its tables: every (row, column) of every table is a cell; cells shared between
/// tables (e.g. Rand Init at S4 and 100%) are one cell, run once per seed.
module Repro.Harness.Grid

open Repro.Harness.Domain
open Repro.Harness.PaperTables

/// The grid cell behind a table cell. Unset coordinates take the paper's defaults: Rand Init, 100% data, the task's
/// augmentation level, no self-/joint training; a self-training student uses loss
/// normalization, starts from its teacher and learns from pseudo-labelled ImageNet.
let cellOf (table: PaperTable) (row: Axis) (column: Axis) : Cell =
    let c = table.CoordinatesOf(row, column)
    let selfTraining = defaultArg c.SelfTraining false
    // Self-training's options only exist with self-training; fixing them elsewhere makes equal runs equal cells.
    let ifSelfTraining (value: 'T) (fixedValue: 'T) = if selfTraining then value else fixedValue
    { Task = table.Task
      Backbone = table.Backbone
      Init = defaultArg c.Init Rand
      Fraction = defaultArg c.Fraction 1.0
      Augment = c.Augment |> Option.defaultValue table.Task.DefaultAugment
      SelfTraining = selfTraining
      JointTraining = defaultArg c.JointTraining false
      LossNormalization = ifSelfTraining (defaultArg c.LossNormalization true) true
      StudentFromTeacher = ifSelfTraining (defaultArg c.StudentFromTeacher true) true
      Unlabeled = ifSelfTraining (Some(defaultArg c.Unlabeled ImageNetImages)) None
      LabelledSet = c.LabelledSet }

/// (table id, row id, column id) → cell, for every cell of every table.
let tableCells (tables: PaperTable list) =
    [ for t in tables do
        for r in t.Rows do
            for c in t.Columns do
                (t.Id, r.Id, c.Id), cellOf t r c ]

/// Each grid cell's schedule in the paper (Appendix H), where a table gives one. A cell two tables share must have
/// the same schedule in both; a disagreement is an error naming both places.
let schedules (tables: PaperTable list) : Map<Cell, PaperSchedule> =
    let given =
        [ for t in tables do
            for r in t.Rows do
                for c in t.Columns do
                    match t.Cell(r.Id, c.Id) |> Option.bind (fun p -> p.Schedule) with
                    | Some s -> cellOf t r c, (s, sprintf "%s cell (%s, %s)" t.File r.Id c.Id)
                    | None -> () ]
    given
    |> List.groupBy fst
    |> List.map (fun (cell, entries) ->
        let (first, where) = snd entries.Head
        for (s, other) in entries |> List.map snd |> List.tail do
            if s.Steps <> first.Steps || s.Alpha <> first.Alpha then
                raise (System.IO.InvalidDataException(
                    sprintf "%s: steps %d, alpha %A disagree with %s: steps %d, alpha %A (the same grid cell %s)"
                        other s.Steps s.Alpha where first.Steps first.Alpha cell.Name))
        cell, first)
    |> Map.ofList

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
