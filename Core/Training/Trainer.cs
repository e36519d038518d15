using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Repro.Core.Training;

/// <summary>
/// A model-agnostic training loop: for each step, zero the gradients, ask the loss callback for that step's named loss
/// parts, check they are finite, back-propagate "loss", clip, update, with the learning rate of
/// <see cref="LearningRateSchedule"/>. It logs metrics (JSON lines, TensorBoard), reports progress, checkpoints every
/// <see cref="TrainerOptions.CheckpointInterval"/> steps, at the end and on cancellation, and resumes from the latest
/// checkpoint in its output folder. On CPU an interrupted-and-resumed run ends with bitwise the same weights as an
/// uninterrupted one, provided the loss callback is a pure function of the step and of <see cref="LossState"/> (fetch
/// the batch by step number and draw .NET randomness from <see cref="Seeding.CreateRandom"/> with the step as index).
/// </summary>
/// <remarks>
/// Output folder layout: <c>metrics.jsonl</c>, <c>checkpoints/step-NNNNNNNNN.ckpt</c>, <c>final.weights</c>
/// (the model's state dict), <c>tensorboard/events.out.tfevents.*</c>.
/// Weight initialisation is the caller's: seed with <see cref="Seeding.SeedTorch"/> before building the model.
/// Do not call <see cref="Train"/> inside a dispose scope (optimizer state must outlive the steps).
/// </remarks>
public sealed class Trainer
{
    static readonly HashSet<string> ReservedKeys = ["step", "lr", "grad_norm", "images_per_s", "elapsed_s"];

    /// <summary>Name of the total loss in the dictionary the loss callback returns; it is what is back-propagated.</summary>
    public const string LossKey = "loss";

    /// <summary>The (validated) options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The output folder.</summary>
    public string OutputDirectory { get; }

    /// <summary>The device the model is moved to; what the loss callback feeds the model must end up there (the
    /// detection and segmentation models move their inputs themselves: <see cref="Models.ModelDevice"/>).</summary>
    public Device Device { get; }

    /// <summary>Receives a report at every logged step and at the end.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Images (samples) in the batch of a step, for the images/s metric; null = throughput not reported.</summary>
    public Func<long, int>? ImagesPerStep { get; init; }

    /// <summary>
    /// State the loss callback carries from step to step (e.g. running means of loss terms), as a module of buffers: it
    /// moves to <see cref="Device"/> with the model, is checkpointed beside it and restored on resume, so the callback
    /// stays a pure function of the step; it is not part of the final weights. Null = none.
    /// </summary>
    public nn.Module? LossState { get; init; }

    /// <summary>The metrics JSONL file.</summary>
    public string MetricsPath => Path.Combine(OutputDirectory, "metrics.jsonl");

    /// <summary>The checkpoint folder.</summary>
    public string CheckpointDirectory => Path.Combine(OutputDirectory, "checkpoints");

    /// <summary>The state dict written at the end of training.</summary>
    public string FinalWeightsPath => Path.Combine(OutputDirectory, FinalWeightsFile);

    /// <summary>The final weights' file name in the output folder.</summary>
    public const string FinalWeightsFile = "final.weights";

    /// <summary>The TensorBoard log folder.</summary>
    public string TensorBoardDirectory => Path.Combine(OutputDirectory, "tensorboard");

    /// <summary>Validates the options and resolves the device (a clear <see cref="ArgumentException"/> when CUDA is asked for but absent).</summary>
    public Trainer(TrainerOptions options, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        options.Validate();
        Options = options;
        OutputDirectory = Path.GetFullPath(outputDirectory);
        Device = TrainingDevice.Resolve(options.Device);
    }

    /// <summary>
    /// Trains <paramref name="model"/> to <see cref="TrainerOptions.TotalSteps"/>, resuming from the latest checkpoint
    /// of the output folder when there is one. <paramref name="loss"/> receives the 0-based step and returns named
    /// scalar loss tensors including <see cref="LossKey"/>; the trainer disposes them.
    /// </summary>
    /// <exception cref="TrainingDivergedException">A loss part or the gradient norm is not finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint of the completed steps was written first.</exception>
    public TrainingResult Train(nn.Module model, Func<long, Dictionary<string, Tensor>> loss, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        if (LossState?.parameters().Any() == true)
            throw new ArgumentException("the loss state must hold buffers only: the optimizer would not train its parameters", nameof(LossState));
        var o = Options;
        var clock = Stopwatch.StartNew();
        if (o.Threads > 0) torch.set_num_threads(o.Threads);
        Directory.CreateDirectory(OutputDirectory);

        model.to(Device);
        LossState?.to(Device);
        model.train();
        var groups = ParameterGroups.Split(model, o.NoWeightDecayOnNormAndBias);
        var parameters = groups.All.ToArray();
        using var optimizer = OptimizerFactory.Create(o, groups);
        var schedule = new LearningRateSchedule(o);
        var fingerprint = TrainingCheckpoint.Fingerprint(o);

        long start = 0;
        long? resumedFrom = null;
        IReadOnlyDictionary<string, double> lastLosses = new Dictionary<string, double>();
        var latest = TrainingCheckpoint.FindLatest(CheckpointDirectory);
        if (latest is not null)
        {
            var header = TrainingCheckpoint.Restore(latest, fingerprint, model, optimizer, LossState);
            start = header.Step;
            resumedFrom = start;
            lastLosses = header.Losses;
        }
        else
        {
            Seeding.SeedTorch(o.Seed);
        }

        var metrics = new MetricsLog(MetricsPath, start);
        var tensorBoard = o.TensorBoard ? torch.utils.tensorboard.SummaryWriter(TensorBoardDirectory) : null;
        var sinceLog = Stopwatch.StartNew();
        long imagesSinceLog = 0;
        var lastCheckpoint = latest;

        try
        {
            for (var step = start; step < o.TotalSteps; step++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    SaveCheckpoint(step, lastLosses, model, optimizer, fingerprint);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var logThis = step % o.LogInterval == 0 || step == o.TotalSteps - 1;
                double lr;
                double? gradNorm = null;
                Native.GcPause.AtSafePoint();
                using (var scope = torch.NewDisposeScope())
                {
                    lr = schedule.Apply(optimizer, step);
                    optimizer.zero_grad();
                    var parts = loss(step) ?? throw new InvalidOperationException($"the loss callback returned null at step {step}");
                    lastLosses = ReadFinite(parts, step);
                    parts[LossKey].backward();
                    if (o.MaxGradNorm is { } maxNorm)
                        gradNorm = torch.nn.utils.clip_grad_norm_(parameters, maxNorm);
                    else if (logThis)
                        gradNorm = GlobalGradNorm(parameters);
                    if (gradNorm is { } g && !double.IsFinite(g)) throw new TrainingDivergedException(step, "grad_norm", g);
                    optimizer.step();
                }

                var completed = step + 1;
                if (ImagesPerStep is not null) imagesSinceLog += ImagesPerStep(step);
                if (logThis)
                {
                    double? imagesPerSecond = ImagesPerStep is null ? null : imagesSinceLog / Math.Max(sinceLog.Elapsed.TotalSeconds, 1e-9);
                    metrics.Append(step, lr, lastLosses, gradNorm, imagesPerSecond, clock.Elapsed.TotalSeconds);
                    if (tensorBoard is not null) WriteTensorBoard(tensorBoard, step, lr, lastLosses, gradNorm, imagesPerSecond);
                    Report(completed, start, lastLosses, lr, imagesPerSecond, clock.Elapsed);
                    sinceLog.Restart();
                    imagesSinceLog = 0;
                }
                if (o.CheckpointInterval > 0 && completed % o.CheckpointInterval == 0 && completed < o.TotalSteps)
                    lastCheckpoint = SaveCheckpoint(completed, lastLosses, model, optimizer, fingerprint);
            }
        }
        finally
        {
            Native.GcPause.End(); // collections resume outside the training loop
        }

        if (start < o.TotalSteps || lastCheckpoint is null)
            lastCheckpoint = SaveCheckpoint(o.TotalSteps, lastLosses, model, optimizer, fingerprint);
        StateDictIO.Save(model, FinalWeightsPath);
        return new TrainingResult(o.TotalSteps, resumedFrom, lastLosses, FinalWeightsPath, lastCheckpoint, clock.Elapsed);
    }

    string SaveCheckpoint(long completed, IReadOnlyDictionary<string, double> losses, nn.Module model, OptimizerHelper optimizer, string fingerprint)
    {
        var path = Path.Combine(CheckpointDirectory, TrainingCheckpoint.FileName(completed));
        TrainingCheckpoint.Save(path, new TrainingCheckpoint.Header(completed, fingerprint, losses), model, optimizer, LossState);
        TrainingCheckpoint.Prune(CheckpointDirectory, Options.KeepCheckpoints);
        return path;
    }

    // One device->host transfer for all parts; throws before anything is back-propagated or updated. Parts made on the
    // host (a regime's logged weights) join the loss on its device first, since stack wants one device.
    static Dictionary<string, double> ReadFinite(Dictionary<string, Tensor> parts, long step)
    {
        if (!parts.ContainsKey(LossKey))
            throw new ArgumentException($"the loss callback must return the total loss under \"{LossKey}\"; at step {step} it returned [{string.Join(", ", parts.Keys)}]");
        foreach (var (name, t) in parts)
        {
            if (ReservedKeys.Contains(name))
                throw new ArgumentException($"loss part name '{name}' is reserved for metrics ({string.Join(", ", ReservedKeys)})");
            if (t is null || t.numel() != 1)
                throw new ArgumentException($"loss part '{name}' at step {step} must be a scalar tensor, got shape [{(t is null ? "null" : string.Join(", ", t.shape))}]");
        }
        var names = parts.Keys.ToArray();
        var device = parts[LossKey].device;
        using var stacked = torch.stack(names.Select(n => parts[n].detach().reshape(1).to(ScalarType.Float64, device)).ToArray()).cpu();
        var values = stacked.data<double>().ToArray();
        var result = new Dictionary<string, double>(names.Length);
        for (var i = 0; i < names.Length; i++)
        {
            if (!double.IsFinite(values[i])) throw new TrainingDivergedException(step, names[i], values[i]);
            result[names[i]] = values[i];
        }
        return result;
    }

    /// <summary>The global L2 norm of all gradients (parameters without a gradient count as zero).</summary>
    internal static double GlobalGradNorm(IEnumerable<Parameter> parameters)
    {
        using var scope = torch.NewDisposeScope();
        var norms = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!.norm().to(ScalarType.Float64).reshape(1)).ToArray();
        if (norms.Length == 0) return 0;
        return torch.cat(norms).norm().item<double>();
    }

    static void WriteTensorBoard(SummaryWriter writer, long step, double lr, IReadOnlyDictionary<string, double> losses,
        double? gradNorm, double? imagesPerSecond)
    {
        var s = checked((int)step);
        writer.add_scalar("train/lr", (float)lr, s);
        foreach (var (name, value) in losses) writer.add_scalar($"train/{name}", (float)value, s);
        if (gradNorm is { } g) writer.add_scalar("train/grad_norm", (float)g, s);
        if (imagesPerSecond is { } ips) writer.add_scalar("train/images_per_s", (float)ips, s);
    }

    void Report(long completed, long start, IReadOnlyDictionary<string, double> losses, double lr, double? imagesPerSecond, TimeSpan elapsed)
    {
        if (Progress is null) return;
        var done = completed - start;
        var eta = done > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds / done * (Options.TotalSteps - completed)) : TimeSpan.Zero;
        Progress.Report(new TrainingProgress(completed, Options.TotalSteps, losses, lr, imagesPerSecond, elapsed, eta));
    }
}
