using Repro.Core.Data.Images;
using Repro.Core.Experiments;
using Repro.Core.Tests.Data;
using Repro.Core.Training;

namespace Repro.Core.Tests.Regimes.Pretraining;

/// <summary>
/// A hand-made classification pool: 3 classes (a red disc, a green bar, a blue square on a grey background, placed at
/// random), train/val folders per class and an unlabeled folder of mixed images. Small images so regimes run in
/// seconds.
/// </summary>
internal sealed class TinyClassificationData : IDisposable
{
    public static readonly string[] ClassNames = { "bar", "disc", "square" };
    readonly TempDataDir _dir = new();

    public TinyClassificationData(int size = 32, int trainPerClass = 8, int valPerClass = 3, int unlabeled = 12)
    {
        Size = size;
        var rng = new Random(5);
        for (int c = 0; c < ClassNames.Length; c++)
        {
            for (int i = 0; i < trainPerClass; i++) _dir.WritePng($"train/{ClassNames[c]}/{i:D3}.png", Draw(c, size, rng));
            for (int i = 0; i < valPerClass; i++) _dir.WritePng($"val/{ClassNames[c]}/{i:D3}.png", Draw(c, size, rng));
        }
        for (int i = 0; i < unlabeled; i++) _dir.WritePng($"unlabeled/{i:D4}.png", Draw(i % 3, size, rng));
    }

    public int Size { get; }
    public string Root => _dir.Root;
    public string TrainRoot => _dir.PathOf("train");
    public string ValRoot => _dir.PathOf("val");
    public string UnlabeledRoot => _dir.PathOf("unlabeled");
    public string Out(string name) => _dir.PathOf(Path.Combine("out", name));

    public ClassificationDataConfig DataConfig => new() { TrainRoot = TrainRoot, ValRoot = ValRoot, UnlabeledRoot = UnlabeledRoot };

    /// <summary>A config for a few quick steps of <paramref name="method"/> on this data.</summary>
    public PretrainingConfig Config(PretrainingMethod method, long steps = 4) => new()
    {
        Method = PretrainingMethodConfig.Default(method) is SimClrPretraining sim ? sim with { ProjectionDim = 16, ProjectionHidden = 32 } : PretrainingMethodConfig.Default(method),
        Data = DataConfig,
        ImageSize = Size,
        BatchSize = 6,
        EvalBatchSize = 16,
        Seed = 3,
        Trainer = new TrainerOptions
        {
            TotalSteps = steps, LogInterval = 1, CheckpointInterval = 0, TensorBoard = false, WarmupSteps = 0,
            Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3,
        },
        Probe = new() { Steps = 30 },
    };

    /// <summary>Class c drawn at a random place: 0 = green bar, 1 = red disc, 2 = blue square; mild noise.</summary>
    public static RgbImage Draw(int c, int size, Random rng)
    {
        var img = new RgbImage(size, size);
        int r = size / 5, cx = rng.Next(r, size - r), cy = rng.Next(r, size - r);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                bool inside = c switch
                {
                    0 => Math.Abs(y - cy) <= r / 3 && Math.Abs(x - cx) <= r,
                    1 => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r,
                    _ => Math.Abs(x - cx) <= r * 3 / 4 && Math.Abs(y - cy) <= r * 3 / 4,
                };
                (int R, int G, int B) col = !inside ? (128, 128, 128) : c switch { 0 => (30, 200, 40), 1 => (220, 30, 30), _ => (30, 40, 220) };
                int n = rng.Next(-8, 9);
                int o = img.Offset(x, y);
                img.Pixels[o] = (byte)Math.Clamp(col.R + n, 0, 255);
                img.Pixels[o + 1] = (byte)Math.Clamp(col.G + n, 0, 255);
                img.Pixels[o + 2] = (byte)Math.Clamp(col.B + n, 0, 255);
            }
        return img;
    }

    public void Dispose() => _dir.Dispose();
}
