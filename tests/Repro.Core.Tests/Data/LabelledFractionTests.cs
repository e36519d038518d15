using System.Text.Json;
using System.Security.Cryptography;
using System.Text;
using Repro.Core.Data;
using Repro.Core.Data.Coco;
using Repro.Core.Data.Fractions;

namespace Repro.Core.Tests.Data;

public class LabelledFractionTests
{
    static readonly long[] Ids = Enumerable.Range(0, 1000).Select(i => 3L * i + 11).ToArray();

    [Fact]
    public void Fractions_are_nested_and_sized()
    {
        var f20 = LabelledFraction.Select(Ids, 0.2, seed: 7);
        var f50 = LabelledFraction.Select(Ids, 0.5, seed: 7);
        var f100 = LabelledFraction.Select(Ids, 1.0, seed: 7);
        Assert.Equal(200, f20.Length);
        Assert.Equal(500, f50.Length);
        Assert.Equal(Ids, f100);
        Assert.Subset(f50.ToHashSet(), f20.ToHashSet());
        Assert.Subset(f100.ToHashSet(), f50.ToHashSet());
        Assert.Equal(f20.Order(), f20);
        Assert.Equal(f20.Length, f20.Distinct().Count());
    }

    [Fact]
    public void Selection_is_deterministic_and_input_order_free_but_seed_dependent()
    {
        var a = LabelledFraction.Select(Ids, 0.2, 7);
        var shuffled = Ids.Reverse().Concat(Ids.Take(10)).ToArray(); // reordered, with duplicates
        Assert.Equal(a, LabelledFraction.Select(shuffled, 0.2, 7));
        Assert.NotEqual(a, LabelledFraction.Select(Ids, 0.2, 8));
        // A 20% sample of 1000 ids spread over the whole range, not a prefix: both halves are represented.
        Assert.InRange(a.Count(id => id < Ids[500]), 60, 140);
    }

    [Theory]
    [InlineData(1000, 0.2, 200)]
    [InlineData(7, 0.5, 4)]   // 3.5 rounds away from zero
    [InlineData(3, 0.2, 1)]   // 0.6 → 1
    [InlineData(3, 0.01, 1)]  // never empty
    [InlineData(0, 0.5, 0)]
    public void Count_rounds_to_nearest(int total, double fraction, int expected) =>
        Assert.Equal(expected, LabelledFraction.CountFor(total, fraction));

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Fraction_out_of_range_is_rejected(double f) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelledFraction.Select(Ids, f, 1));

    [Fact]
    public void Content_hash_is_sha256_of_canonical_json()
    {
        var m = new LabelledFractionManifest
        {
            Fraction = 0.5, Seed = 3, SourceFile = "a.json", SourceSha256 = "ab", SourceImageCount = 4, ImageIds = new long[] { 1, 2 },
        };
        const string canonical = """{"fraction":0.5,"seed":3,"source_file":"a.json","source_sha256":"ab","source_image_count":4,"image_ids":[1,2],"content_hash":""}""";
        var expected = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
        Assert.Equal(expected, LabelledFraction.ComputeContentHash(m));
        Assert.Equal(expected, LabelledFraction.ComputeContentHash(m with { ContentHash = "anything" }));
        Assert.NotEqual(expected, LabelledFraction.ComputeContentHash(m with { ImageIds = new long[] { 1, 3 } }));
    }

    [Fact]
    public void Manifest_round_trips_and_detects_tampering()
    {
        using var dir = new TempDataDir();
        var read = CocoReader.Read(CocoFixture.Write(dir));
        var m = LabelledFraction.CreateManifest(read, 0.5, seed: 1);
        Assert.Equal("instances.json", m.SourceFile);
        Assert.Equal(read.SourceSha256, m.SourceSha256);
        Assert.Equal(2, m.SourceImageCount);
        Assert.Single(m.ImageIds);
        Assert.Equal(LabelledFraction.Select(new long[] { 1, 7 }, 0.5, 1), m.ImageIds);

        var path = dir.PathOf("fractions/f50.json");
        LabelledFraction.Write(m, path);
        var back = LabelledFraction.Read(path, read.SourceSha256);
        Assert.Equal(m.ContentHash, back.ContentHash);
        Assert.Equal(m.ImageIds, back.ImageIds);
        Assert.Equal(m with { ImageIds = back.ImageIds }, back);
        // Writing again gives identical bytes (stable serialisation).
        var bytes = File.ReadAllBytes(path);
        LabelledFraction.Write(back, path);
        Assert.Equal(bytes, File.ReadAllBytes(path));

        var wrongSource = Assert.Throws<InvalidDataException>(() => LabelledFraction.Read(path, "00"));
        Assert.Contains("source_sha256", wrongSource.Message);

        var other = m.ImageIds[0] == 1 ? 7 : 1;
        File.WriteAllText(path, File.ReadAllText(path).Replace($"\n    {m.ImageIds[0]}\n", $"\n    {other}\n"));
        var e = Assert.Throws<InvalidDataException>(() => LabelledFraction.Read(path));
        Assert.Contains("f50.json", e.Message);
        Assert.Contains("content_hash", e.Message);
    }

    [Fact]
    public void Manifest_with_unsorted_ids_or_wrong_count_is_rejected()
    {
        using var dir = new TempDataDir();
        var m = LabelledFraction.WithHash(new LabelledFractionManifest
        {
            Fraction = 0.5, Seed = 0, SourceFile = "x", SourceSha256 = "ab", SourceImageCount = 4, ImageIds = new long[] { 5, 2 },
        });
        var path = dir.WriteText("m.json", System.Text.Json.JsonSerializer.Serialize(m));
        Assert.Contains("image_ids[1]", Assert.Throws<InvalidDataException>(() => LabelledFraction.Read(path)).Message);
        m = LabelledFraction.WithHash(m with { ImageIds = new long[] { 2 } });
        path = dir.WriteText("m2.json", System.Text.Json.JsonSerializer.Serialize(m));
        Assert.Contains("expected 2", Assert.Throws<InvalidDataException>(() => LabelledFraction.Read(path)).Message);
    }

    [Fact]
    public void Seeded_permutation_is_a_uniform_permutation()
    {
        // Each value lands in each position with probability 1/n: counts over many seeds near trials/n.
        const int n = 5, trials = 20000;
        var counts = new int[n, n];
        for (int s = 0; s < trials; s++)
        {
            var p = SeededPermutation.Create(n, (ulong)s);
            Assert.Equal(Enumerable.Range(0, n), p.Order());
            for (int i = 0; i < n; i++) counts[i, p[i]]++;
        }
        foreach (var c in counts) Assert.InRange(c, trials / n * 0.9, trials / n * 1.1);
        Assert.Equal(SeededPermutation.Create(50, 9), SeededPermutation.Create(50, 9));
        Assert.NotEqual(SeededPermutation.Combine(1, 0), SeededPermutation.Combine(1, 1));
        Assert.NotEqual(SeededPermutation.Combine(0, 1), SeededPermutation.Combine(1, 0));
    }
}

public class HeldOutShareTests
{
    static readonly long[] Ids = Enumerable.Range(0, 1000).Select(i => 3L * i + 11).ToArray();

    [Theory]
    [InlineData(1000, 0.1, 100)]
    [InlineData(1000, 0.0, 0)]
    [InlineData(10, 0.01, 1)]   // a positive share holds out at least one image
    [InlineData(2, 0.5, 1)]
    [InlineData(1, 0.5, 0)]     // never the whole pool
    public void Held_out_counts(int total, double share, int expected) =>
        Assert.Equal(expected, LabelledFraction.HeldOutCountFor(total, share));

    [Fact]
    public void The_held_out_images_leave_every_fraction_which_stay_nested_in_the_rest()
    {
        var heldOut = LabelledFraction.SelectHeldOut(Ids, 0.1, seed: 3);
        Assert.Equal(100, heldOut.Length);
        Assert.Equal(heldOut, LabelledFraction.SelectHeldOut(Ids.Reverse(), 0.1, seed: 3));
        var pool = Ids.Except(heldOut).ToArray();
        var f20 = LabelledFraction.Select(pool, 0.2, 3);
        var f100 = LabelledFraction.Select(pool, 1.0, 3);
        Assert.Empty(f100.Intersect(heldOut));
        Assert.Equal(900, f100.Length);
        Assert.Subset(f100.ToHashSet(), f20.ToHashSet());
        // Its own stream: not the labelled permutation's first images.
        Assert.NotEqual(heldOut, LabelledFraction.Select(Ids, 0.1, 3));
    }

    static CocoReadResult Source(int n)
    {
        var ds = new CocoDataset { Images = Enumerable.Range(1, n).Select(i => new CocoImage { Id = i, FileName = $"{i}.png", Width = 8, Height = 8 }).ToList() };
        return new CocoReadResult(ds, new CocoReadReport(), "/x/instances_train.json", new string('a', 64));
    }

    [Fact]
    public void A_manifest_without_held_out_images_is_written_as_before_and_one_with_them_round_trips()
    {
        var plain = LabelledFraction.CreateManifest(Source(50), 0.5, 0);
        var json = JsonSerializer.Serialize(plain);
        Assert.DoesNotContain("held_out", json);

        var dir = Directory.CreateTempSubdirectory("repro-heldout").FullName;
        var m = LabelledFraction.CreateManifest(Source(50), 0.5, 0, heldOutShare: 0.2);
        Assert.Equal(10, m.HeldOutImageIds!.Length);
        Assert.Equal(20, m.ImageIds.Length);
        var path = Path.Combine(dir, "fraction.json");
        LabelledFraction.Write(m, path);
        Assert.Equal(m.HeldOutImageIds, LabelledFraction.Read(path).HeldOutImageIds);

        // An id both labelled and held out is refused, naming the file.
        var bad = LabelledFraction.WithHash(m with { HeldOutImageIds = m.HeldOutImageIds.Skip(1).Append(m.ImageIds[0]).Order().ToArray() });
        File.WriteAllText(path, JsonSerializer.Serialize(bad));
        var e = Assert.Throws<InvalidDataException>(() => LabelledFraction.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("both labelled and held out", e.Message);
        Directory.Delete(dir, true);
    }
}
