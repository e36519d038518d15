using Repro.Core.Data.Batching;
using Repro.Core.Data.Loading;
using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.SelfTraining;

/// <summary>One self-training step's data: a human-labelled batch and a pseudo-labelled batch (dispose it when done).</summary>
public sealed class MixedBatch(DetectionBatch human, DetectionBatch pseudo) : IDisposable
{
    public DetectionBatch Human { get; } = human;
    public DetectionBatch Pseudo { get; } = pseudo;
    public int HumanCount => Human.BatchSize;
    public int PseudoCount => Pseudo.BatchSize;
    /// <summary>Image counts of the two groups, human first (for <see cref="RetinaNet.GroupLosses"/>).</summary>
    public int[] GroupSizes => new[] { HumanCount, PseudoCount };

    /// <summary>Human images then pseudo images, one [B_h + B_p, 3, H, W] tensor (created in the caller's scope).</summary>
    public Tensor Images() => cat(new[] { Human.Images, Pseudo.Images }, 0);

    /// <summary>Targets in the order of <see cref="Images"/>.</summary>
    public List<DetectionTarget> Targets()
    {
        var targets = new List<DetectionTarget>(HumanCount + PseudoCount);
        foreach (var b in new[] { Human, Pseudo })
            for (int i = 0; i < b.BatchSize; i++) targets.Add(new DetectionTarget(b.Boxes[i], b.Labels[i]));
        return targets;
    }

    public void Dispose()
    {
        Human.Dispose();
        Pseudo.Dispose();
    }
}

/// <summary>
/// The student's batches: step k pairs batch k of the human loader with batch k of the pseudo loader, so every step
/// has exactly the human and pseudo image counts of the two loaders (the paper: half of each batch pseudo-labelled).
/// Each loader's batch k is a pure function of its own (data, seed, augmentation, k), so a step's mixed batch is a
/// pure function of (seeds, k) and a resumed run sees what an uninterrupted one would. The two streams cycle through
/// their (differently sized) data sets independently, each in its own epochs.
/// </summary>
public sealed class MixedBatchStream
{
    public MixedBatchStream(DetectionLoader human, DetectionLoader pseudo)
    {
        Human = human ?? throw new ArgumentNullException(nameof(human));
        Pseudo = pseudo ?? throw new ArgumentNullException(nameof(pseudo));
    }

    public DetectionLoader Human { get; }
    public DetectionLoader Pseudo { get; }

    /// <summary>The mixed batch of <paramref name="step"/>, computed now on the calling thread.</summary>
    public MixedBatch BatchAt(long step) => new(Human.BatchAt(step), Pseudo.BatchAt(step));

    /// <summary>Mixed batches of steps startStep, startStep+1, … (endStep exclusive; null = endless), both halves prefetched.</summary>
    public IEnumerable<MixedBatch> Stream(long startStep = 0, long? endStep = null)
    {
        using var human = Human.Stream(startStep, endStep).GetEnumerator();
        using var pseudo = Pseudo.Stream(startStep, endStep).GetEnumerator();
        while (human.MoveNext())
        {
            if (!pseudo.MoveNext())
            {
                human.Current.Dispose();
                throw new InvalidOperationException("the pseudo-label stream ended before the human one");
            }
            yield return new MixedBatch(human.Current, pseudo.Current);
        }
    }
}
