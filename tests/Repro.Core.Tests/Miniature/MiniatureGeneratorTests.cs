using Repro.Core.Data.Miniature;

namespace Repro.Core.Tests.Miniature;

/// <summary>Determinism, caching, half-written caches and racing generators.</summary>
public class MiniatureGeneratorTests
{
    [Fact]
    public void Same_seed_gives_byte_identical_files_and_another_seed_does_not()
    {
        string a = TinyConfig.NewRoot(), b = TinyConfig.NewRoot(), c = TinyConfig.NewRoot();
        try
        {
            var ma = MiniatureGenerator.Generate(TinyConfig.Make(7), a);
            var mb = MiniatureGenerator.Generate(TinyConfig.Make(7), b);
            var mc = MiniatureGenerator.Generate(TinyConfig.Make(8), c);
            var ha = TinyConfig.FileHashes(ma.Root);
            Assert.Equal(ha, TinyConfig.FileHashes(mb.Root));
            Assert.Equal(ma.ContentHash, mb.ContentHash);
            Assert.NotEqual(ma.ContentHash, mc.ContentHash);
            var hc = TinyConfig.FileHashes(mc.Root);
            // Every image differs under another seed (the category list in the JSON does not).
            foreach (var png in ha.Keys.Where(k => k.EndsWith(".png")))
                Assert.NotEqual(ha[png], hc[png]);
        }
        finally
        {
            foreach (var d in new[] { a, b, c }) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void Second_call_reuses_the_cache_without_rewriting_files()
    {
        string root = TinyConfig.NewRoot();
        try
        {
            var first = MiniatureGenerator.Generate(TinyConfig.Make(), root);
            var stamps = Directory.GetFiles(first.Root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
            Thread.Sleep(20);
            var second = MiniatureGenerator.Generate(TinyConfig.Make(), root);
            Assert.Equal(first.Root, second.Root);
            Assert.Equal(first.ContentHash, second.ContentHash);
            foreach (var (f, t) in stamps) Assert.Equal(t, File.GetLastWriteTimeUtc(f));
            Assert.Single(Directory.GetDirectories(root));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }

    [Fact]
    public void A_half_written_cache_without_manifest_is_regenerated()
    {
        string root = TinyConfig.NewRoot();
        try
        {
            var first = MiniatureGenerator.Generate(TinyConfig.Make(), root);
            var hashes = TinyConfig.FileHashes(first.Root);
            File.Delete(Path.Combine(first.Root, MiniatureLayout.Manifest));
            File.Delete(Path.Combine(first.DetectionTrainImages, MiniatureLayout.DetectionFileName(2)));
            File.WriteAllText(Path.Combine(first.Root, "junk.tmp"), "partial");
            var again = MiniatureGenerator.Generate(TinyConfig.Make(), root);
            Assert.Equal(first.Root, again.Root);
            Assert.Equal(hashes, TinyConfig.FileHashes(again.Root));
            Assert.Single(Directory.GetDirectories(root));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Abandoned_temp_folders_of_the_same_config_are_removed_but_recent_ones_kept()
    {
        string root = TinyConfig.NewRoot();
        try
        {
            string final = MiniatureGenerator.FolderFor(TinyConfig.Make(), root);
            string old = final + ".999.dead.tmp", recent = final + ".998.live.tmp";
            Directory.CreateDirectory(old);
            Directory.CreateDirectory(recent);
            Directory.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-2));
            MiniatureGenerator.Generate(TinyConfig.Make(), root);
            Assert.False(Directory.Exists(old));
            Assert.True(Directory.Exists(recent));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Two_racing_generators_end_with_one_complete_folder()
    {
        string root = TinyConfig.NewRoot();
        try
        {
            var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(() => MiniatureGenerator.Generate(TinyConfig.Make(), root))).ToArray();
            Task.WaitAll(runs);
            Assert.Equal(runs[0].Result.ContentHash, runs[1].Result.ContentHash);
            Assert.Single(Directory.GetDirectories(root));
            Assert.Equal(runs[0].Result.ContentHash, DirectoryContentHash.Compute(runs[0].Result.Root, MiniatureLayout.Manifest).Hash);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Config_hash_depends_on_every_field_and_names_the_folder()
    {
        var c = TinyConfig.Make();
        Assert.Equal(MiniatureGenerator.ConfigHash(c), MiniatureGenerator.ConfigHash(c with { }));
        Assert.NotEqual(MiniatureGenerator.ConfigHash(c), MiniatureGenerator.ConfigHash(c with { MaxClutterLines = 1 }));
        Assert.NotEqual(MiniatureGenerator.ConfigHash(c), MiniatureGenerator.ConfigHash(c with { TextureWeights = new[] { 0, 1.0, 0 } }));
        Assert.NotEqual(MiniatureGenerator.ConfigHash(c), MiniatureGenerator.ConfigHash(c with { MaxRotationDegrees = 30 }));
        Assert.NotEqual(MiniatureGenerator.ConfigHash(c with { MaxRotationDegrees = null }), MiniatureGenerator.ConfigHash(c with { MaxRotationDegrees = 0 }));
        Assert.EndsWith(MiniatureGenerator.ConfigHash(c)[..16], MiniatureGenerator.FolderFor(c, "/tmp/x"));
    }

    [Theory]
    [InlineData("ImageSize")]
    [InlineData("MaxObjects")]
    [InlineData("SegmentationTrainAugCount")]
    [InlineData("TextureWeights")]
    public void Bad_config_is_rejected_naming_the_field(string field)
    {
        var bad = field switch
        {
            "ImageSize" => TestMiniature.Config with { ImageSize = 8 },
            "MaxObjects" => TestMiniature.Config with { MaxObjects = 0 },
            "SegmentationTrainAugCount" => TestMiniature.Config with { SegmentationTrainAugCount = 2, SegmentationTrainCount = 5 },
            _ => TestMiniature.Config with { TextureWeights = new[] { 1.0 } },
        };
        var e = Assert.Throws<ArgumentException>(() => MiniatureGenerator.Generate(bad, TinyConfig.NewRoot()));
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Default_preset_round_trips_through_json()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(MiniatureConfig.Default);
        var back = System.Text.Json.JsonSerializer.Deserialize<MiniatureConfig>(json)!;
        Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(back));
        Assert.Equal(MiniatureGenerator.ConfigHash(MiniatureConfig.Default), MiniatureGenerator.ConfigHash(back));
    }
}
