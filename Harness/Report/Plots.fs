/// PNG plots of the tables whose columns are an ordered axis (labelled fraction, augmentation strength): our mean ±
/// std per row (solid, error bars) beside the paper's values (dashed). Drawn with SkiaSharp directly: ScottPlot 5.1.59,
/// the one version the registry serves, needs SkiaSharp 3, whose PNG encoder writes different bytes than the 2.88 the
/// miniature generator uses — upgrading would change the data's content hash and orphan every recorded run.
module Repro.Harness.Plots

open System
open System.IO
open SkiaSharp
open Repro.Harness.Stats
open Repro.Harness.Tables

/// One line: a value (or none) per x position, with an optional ± band.
type Series =
    { Name: string
      Points: (float * float) option list
      Dashed: bool
      Colour: SKColor }

let private palette =
    [| SKColor(31uy, 119uy, 180uy); SKColor(214uy, 39uy, 40uy); SKColor(44uy, 160uy, 44uy)
       SKColor(148uy, 103uy, 189uy); SKColor(255uy, 127uy, 14uy); SKColor(140uy, 86uy, 75uy) |]

/// The line segments a series draws: between neighbouring x positions that both have a value, so that no line
/// passes through a level or fraction that was not measured.
let segments (points: 'T option list) =
    points |> List.indexed |> List.pairwise
    |> List.choose (fun ((i0, p0), (i1, p1)) -> if p0.IsSome && p1.IsSome then Some(i0, i1) else None)

/// A line chart over categorical x positions, written atomically as PNG.
let lineChart (path: string) (title: string) (xLabels: string list) (yLabel: string) (series: Series list) =
    let w, h = 980, 460
    let left, right, top, bottom = 70f, 360f, 40f, 50f
    use bmp = new SKBitmap(w, h)
    use canvas = new SKCanvas(bmp)
    canvas.Clear SKColors.White
    use text = new SKPaint(Color = SKColors.Black, TextSize = 13f, IsAntialias = true)
    use axis = new SKPaint(Color = SKColors.Black, StrokeWidth = 1f, IsStroke = true, IsAntialias = true)
    use grid = new SKPaint(Color = SKColor(225uy, 225uy, 225uy), StrokeWidth = 1f, IsStroke = true)
    let values = series |> List.collect (fun s -> s.Points |> List.choose id |> List.collect (fun (m, sd) -> [ m - sd; m + sd ]))
    let lo, hi =
        match values with
        | [] -> 0.0, 1.0
        | vs ->
            let lo, hi = List.min vs, List.max vs
            let pad = max 0.5 ((hi - lo) * 0.08)
            lo - pad, hi + pad
    let plotW, plotH = float32 w - left - right, float32 h - top - bottom
    let n = max 1 (xLabels.Length - 1)
    let xOf (i: int) = left + (if xLabels.Length = 1 then plotW / 2f else plotW * float32 i / float32 n)
    let yOf (v: float) = top + plotH * float32 ((hi - v) / (hi - lo))
    for k in 0..5 do
        let v = lo + (hi - lo) * float k / 5.0
        canvas.DrawLine(left, yOf v, left + plotW, yOf v, grid)
        canvas.DrawText(sprintf "%.1f" (v + 0.0), 8f, yOf v + 4f, text)
    canvas.DrawRect(left, top, plotW, plotH, axis)
    xLabels |> List.iteri (fun i l -> canvas.DrawText(l, xOf i - 4f * float32 l.Length, top + plotH + 20f, text))
    canvas.DrawText(title, left, 24f, text)
    canvas.DrawText(yLabel, 8f, top - 8f, text)
    series
    |> List.iteri (fun k s ->
        use line = new SKPaint(Color = s.Colour, StrokeWidth = 2f, IsStroke = true, IsAntialias = true)
        if s.Dashed then line.PathEffect <- SKPathEffect.CreateDash([| 6f; 4f |], 0f)
        use dot = new SKPaint(Color = s.Colour, IsAntialias = true, IsStroke = s.Dashed, StrokeWidth = 2f)
        let pts = s.Points |> List.mapi (fun i p -> p |> Option.map (fun (m, sd) -> i, m, sd)) |> List.choose id
        let meanAt (i: int) = fst s.Points.[i].Value
        for i0, i1 in segments s.Points do canvas.DrawLine(xOf i0, yOf (meanAt i0), xOf i1, yOf (meanAt i1), line)
        for i, m, sd in pts do
            if sd > 0.0 then canvas.DrawLine(xOf i, yOf (m - sd), xOf i, yOf (m + sd), line)
            canvas.DrawCircle(xOf i, yOf m, 4f, dot)
        let ly = top + 10f + 20f * float32 k
        canvas.DrawLine(left + plotW + 12f, ly, left + plotW + 36f, ly, line)
        canvas.DrawText(s.Name, left + plotW + 42f, ly + 4f, text))
    use image = SKImage.FromBitmap bmp
    use data = image.Encode(SKEncodedImageFormat.Png, 100)
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath path)) |> ignore
    Repro.Core.AtomicFile.WriteAllBytes(path, data.ToArray())

/// Our value and the paper's for a table cell: absolute, or — with `gain` — the delta against the row the paper
/// compares with.
let private valuesOf (gain: bool) (c: CellResult) =
    let ours =
        if gain then c.OursDelta |> Option.map (fun d -> d.Delta, 0.0)
        else match c.Ours with Measured e -> Some(e.Mean, (if Double.IsNaN e.Std then 0.0 else e.Std)) | _ -> None
    let paper =
        c.Paper |> Option.bind (fun p -> (if gain then p.Delta else p.Value) |> Option.map (fun v -> v, 0.0))
    ours, paper

/// A chart of one table: a pair of lines (ours, paper) per row; with `gain`, only the rows with a comparison row,
/// showing the gain over it. Returns false when the table has nothing to draw.
let tableChart (path: string) (gain: bool) (t: TableResult) =
    let rows = t.Table.Rows |> List.filter (fun r -> not gain || r.DeltaFrom.IsSome)
    let columns = t.Table.Columns
    let series =
        rows
        |> List.mapi (fun k row ->
            let cells = columns |> List.map (fun col -> valuesOf gain (t.Get(row.Id, col.Id)))
            let colour = palette.[k % palette.Length]
            [ { Name = row.Label + " (ours)"; Points = cells |> List.map fst; Dashed = false; Colour = colour }
              { Name = row.Label + " (paper)"; Points = cells |> List.map snd; Dashed = true; Colour = colour } ])
        |> List.concat
        |> List.filter (fun s -> s.Points |> List.exists Option.isSome)
    if series.IsEmpty then false
    else
        let y = if gain then sprintf "%s gain" t.MetricKey else t.MetricKey
        lineChart path t.Table.Title (columns |> List.map (fun c -> c.Label)) y series
        true

/// Whether a table's columns are an ordered axis (each sets an augmentation level, or each a labelled fraction): the
/// tables a chart over the columns means something for.
let hasOrderedColumns (t: Repro.Harness.PaperTables.PaperTable) =
    (t.Columns |> List.forall (fun c -> c.Coordinates.Augment.IsSome))
    || (t.Columns |> List.forall (fun c -> c.Coordinates.Fraction.IsSome))

/// A chart per table whose columns are an ordered axis (`<table>.png`: the metric vs augmentation strength or labelled
/// fraction, per row), and for those with rows compared against another row, that gain (`<table>-gain.png`).
/// Returns the files written.
let writeAll (plotsDir: string) (tables: TableResult list) =
    [ for t in tables do
        if hasOrderedColumns t.Table then
            let p = Path.Combine(plotsDir, t.Table.Id + ".png")
            if tableChart p false t then yield p
            if t.Table.Rows |> List.exists (fun r -> r.DeltaFrom.IsSome) then
                let g = Path.Combine(plotsDir, t.Table.Id + "-gain.png")
                if tableChart g true t then yield g ]
