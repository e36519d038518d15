using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models;

/// <summary>
/// Counts the multiply-adds of convolutions and linear layers in a forward pass: each conv contributes
/// (output elements) × (input channels / groups) × kernel area, each linear (output elements) × (input features).
/// Shapes come from one forward pass at batch size 1 on zeros (hooks record each layer's output shape); norms,
/// activations, pooling and element-wise ops are not counted (they are a few percent at most).
/// FLOPs ≈ 2 × multiply-adds for a forward pass; a training step (forward + backward) ≈ 3 × the forward FLOPs.
/// </summary>
public static class FlopCounter
{
    /// <summary>Multiply-adds of <paramref name="run"/> (which should call <paramref name="root"/>'s forward on a batch-1 input).</summary>
    public static long MultiplyAdds(nn.Module root, Action run)
    {
        long total = 0;
        var removers = new List<Action>();
        foreach (var m in root.modules())
        {
            switch (m)
            {
                case TorchSharp.Modules.Conv2d conv:
                {
                    var w = conv.weight!;
                    long perOutput = w.shape[1] * w.shape[2] * w.shape[3];
                    var h = conv.register_forward_hook((_, _, output) => { total += output.numel() * perOutput; return null!; });
                    removers.Add(h.remove);
                    break;
                }
                case TorchSharp.Modules.Linear lin:
                {
                    long perOutput = lin.weight!.shape[1];
                    var h = lin.register_forward_hook((_, _, output) => { total += output.numel() * perOutput; return null!; });
                    removers.Add(h.remove);
                    break;
                }
            }
        }
        bool wasTraining = root.training;
        root.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            run();
        }
        finally
        {
            foreach (var r in removers) r();
            root.train(wasTraining);
        }
        return total;
    }

    /// <summary>Multiply-adds of a detector's forward pass (backbone, FPN, head) on one <paramref name="height"/>×<paramref name="width"/> image.</summary>
    public static long DetectorMultiplyAdds(Detection.RetinaNet detector, int height, int width) =>
        MultiplyAdds(detector, () => detector.forward(zeros(1, 3, height, width)));

    /// <summary>Multiply-adds of a module taking images (e.g. a classifier) on one image.</summary>
    public static long ImageModelMultiplyAdds(nn.Module<Tensor, Tensor> model, int height, int width) =>
        MultiplyAdds(model, () => model.call(zeros(1, 3, height, width)));
}
