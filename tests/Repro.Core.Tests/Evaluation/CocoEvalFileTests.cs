using System.Text.Json;
using Repro.Core.Data.Coco;
using Repro.Core.Evaluation.Coco;

namespace Repro.Core.Tests.Evaluation;

/// <summary>Loading from files, validation messages, the CLI entry point and JSON output.</summary>
public sealed class CocoEvalFileTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "repro-eval-tests-" + Guid.NewGuid().ToString("N"));

    public CocoEvalFileTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string name, string text) { var p = Path.Combine(_dir, name); File.WriteAllText(p, text); return p; }

    string WriteGt()
    {
        var c = new CocoCase(images: 2, categories: 2).AddGt(1, 0, 0, 10, 10).AddGt(2, 0, 0, 50, 50, category: 2);
        return Write("gt.json", JsonSerializer.Serialize(c.Gt, CocoJson.Options));
    }

    [Fact]
    public void Files_evaluate_like_the_in_memory_lists()
    {
        var c = new CocoCase(images: 2, categories: 2).AddGt(1, 0, 0, 10, 10).AddGt(2, 0, 0, 50, 50, category: 2)
            .AddDet(1, 0, 0, 10, 10, 0.9).AddDet(2, 0, 0, 50, 25, 0.8, category: 2).AddDet(2, 60, 60, 5, 5, 0.95, category: 2);
        var gt = Write("gt.json", JsonSerializer.Serialize(c.Gt, CocoJson.Options));
        var dt = Write("dt.json", JsonSerializer.Serialize(c.Results, CocoJson.Options));
        var fromFiles = CocoEvalCommand.Run(gt, dt);
        var inMemory = CocoEvaluator.Evaluate(c.Gt, c.Results);
        Assert.Equal(inMemory.Stats, fromFiles.Stats);
        Assert.Equal(inMemory.PerCategory, fromFiles.PerCategory);
        // Category 2: FP (.95) then the 0.5-IoU detection → only t = .5 matches: AP_c2 = (1/2 precision over all
        // 101 points at t = .5) / 10 = 0.05; category 1 perfect → AP = (1 + 0.05)/2.
        Assert.Equal(0.525, fromFiles.AP, 1e-12);
    }

    [Fact]
    public void Streaming_results_reader_equals_the_serializer_and_skips_unknown_fields()
    {
        var rng = new Random(3);
        var sb = new System.Text.StringBuilder("[\n");
        for (int i = 0; i < 200; i++)
        {
            if (i > 0) sb.Append(",\n");
            double s = Math.Round(rng.NextDouble(), rng.Next(1, 8));
            string score = rng.Next(4) == 0 ? s.ToString("E3", System.Globalization.CultureInfo.InvariantCulture) : s.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            string extra = rng.Next(3) == 0 ? ", \"segmentation\": {\"size\": [4, 4], \"counts\": \"abc\"}, \"id\": 5, \"tags\": [[1], {}]" : "";
            sb.Append($"  {{\"score\": {score}, \"bbox\": [{rng.Next(100)}.5, {rng.Next(100)}, {rng.Next(1, 50)}, {rng.NextDouble():R}]{extra}, \"category_id\": {rng.Next(1, 3)}, \"image_id\": {rng.Next(1, 3)}}}");
        }
        sb.Append("\n]");
        var path = Write("results.json", sb.ToString());
        var fast = CocoResultsJsonReader.Read(path);
        var reference = JsonSerializer.Deserialize<List<CocoResult>>(File.ReadAllText(path))!;
        Assert.Equal(reference.Count, fast.Count);
        for (int i = 0; i < fast.Count; i++)
        {
            Assert.Equal(reference[i].ImageId, fast[i].ImageId);
            Assert.Equal(reference[i].CategoryId, fast[i].CategoryId);
            Assert.Equal(reference[i].Score, fast[i].Score);
            Assert.Equal(reference[i].Bbox, fast[i].Bbox);
        }
    }

    [Fact]
    public void Summary_json_round_trips()
    {
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10).AddDet(1, 0, 0, 10, 10, 0.9);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        var json = s.ToJson();
        Assert.Contains("\"AP50\"", json);
        Assert.Contains("\"per_category\"", json);
        var back = CocoEvalSummary.FromJson(json);
        Assert.Equal(s.Stats, back.Stats);
        Assert.Equal(s.PerCategory, back.PerCategory);
        Assert.Equal(s.ToText(), back.ToText());
    }

    [Fact]
    public void Segm_is_refused_with_a_clear_message_before_reading_files()
    {
        var e = Assert.Throws<ArgumentException>(() => CocoEvalCommand.Run("missing-gt.json", "missing-dt.json", "segm"));
        Assert.Contains("segm", e.Message);
        Assert.Contains("not implemented", e.Message);
        Assert.Throws<ArgumentException>(() => CocoEvalCommand.Run("a", "b", "boxes"));
    }

    [Theory]
    [InlineData("[{\"image_id\":7,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}]", "[0].image_id")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5},{\"image_id\":1,\"category_id\":9,\"bbox\":[0,0,1,1],\"score\":0.5}]", "[1].category_id")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":NaN}]", "[0].score")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":Infinity}]", "[0].score")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,-1,1],\"score\":0.5}]", "[0].bbox width")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,-2],\"score\":0.5}]", "[0].bbox height")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1],\"score\":0.5}]", "[0].bbox")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,NaN,1,1],\"score\":0.5}]", "[0].bbox")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1]}]", "score")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}", "malformed")]
    [InlineData("{\"image_id\":1}", "array")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":\"NaN\"}]", "[0].score is NaN")]
    [InlineData("[{\"image_id\":1.5,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}]", "[0].image_id")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":\"0 0 1 1\",\"score\":0.5}]", "[0].bbox")]
    [InlineData("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}] []", "after the results array")]
    public void Bad_results_name_the_file_and_the_field(string json, string expectedFragment)
    {
        var gt = WriteGt();
        var dt = Write("bad-results.json", json);
        var e = Assert.Throws<InvalidDataException>(() => CocoEvalCommand.Run(gt, dt));
        Assert.Contains("bad-results.json", e.Message);
        Assert.Contains(expectedFragment, e.Message);
    }

    [Theory]
    [InlineData("{\"images\":[{\"id\":1},{\"id\":1}],\"annotations\":[],\"categories\":[{\"id\":1}]}", "images[1].id")]
    [InlineData("{\"images\":[{\"id\":1}],\"annotations\":[{\"id\":1,\"image_id\":2,\"category_id\":1,\"bbox\":[0,0,1,1],\"area\":1}],\"categories\":[{\"id\":1}]}", "annotations[0].image_id")]
    [InlineData("{\"images\":[{\"id\":1}],\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":5,\"bbox\":[0,0,1,1],\"area\":1}],\"categories\":[{\"id\":1}]}", "annotations[0].category_id")]
    [InlineData("{\"images\":[{\"id\":1}],\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1]}],\"categories\":[{\"id\":1}]}", "area")]
    [InlineData("{\"images\":[{\"id\":1}],\"annotations\":[", "malformed")]
    public void Bad_ground_truth_names_the_file_and_the_field(string json, string expectedFragment)
    {
        var gt = Write("bad-gt.json", json);
        var dt = Write("dt.json", "[]");
        var e = Assert.Throws<InvalidDataException>(() => CocoEvalCommand.Run(gt, dt));
        Assert.Contains("bad-gt.json", e.Message);
        Assert.Contains(expectedFragment, e.Message);
    }

    [Fact]
    public void Params_round_trip_through_json_and_defaults_equal_numpy_linspace()
    {
        var p = CocoEvalParams.Default.WithAreaScale(0.25);
        var back = JsonSerializer.Deserialize<CocoEvalParams>(JsonSerializer.Serialize(p))!;
        Assert.Equal(p.IouThresholds, back.IouThresholds);
        Assert.Equal(p.AreaRanges, back.AreaRanges);
        Assert.Equal(JsonSerializer.Serialize(p), JsonSerializer.Serialize(back));
        // numpy.linspace(0.5, 0.95, 10)[i] = i * ((0.95 - 0.5) / 9) + 0.5, last forced to 0.95; 101 recall points i * 0.01.
        Assert.Equal(10, p.IouThresholds.Length);
        Assert.Equal(0.5, p.IouThresholds[0]);
        Assert.Equal(0.95, p.IouThresholds[9]);
        Assert.Equal(3 * ((0.95 - 0.5) / 9) + 0.5, p.IouThresholds[3]);
        Assert.Equal(101, p.RecallThresholds.Length);
        Assert.Equal(37 * 0.01, p.RecallThresholds[37]);
        Assert.Equal(new AreaRange("small", 0, 256), p.AreaRanges[1]);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var e = Assert.Throws<FileNotFoundException>(() => CocoEvalCommand.Run(Path.Combine(_dir, "nope.json"), "x.json"));
        Assert.Contains("nope.json", e.Message);
    }

    [Fact]
    public void Invalid_parameters_are_argument_errors_naming_the_parameter()
    {
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10);
        var e = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(c.Gt, c.Results, new CocoEvalParams { MaxDets = new[] { 10, 1, 100 } }));
        Assert.Contains("MaxDets", e.Message);
        e = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(c.Gt, c.Results, new CocoEvalParams { AreaRanges = new[] { new AreaRange("all", 0, 1e10) } }));
        Assert.Contains("small", e.Message);
    }
}
