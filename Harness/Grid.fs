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
