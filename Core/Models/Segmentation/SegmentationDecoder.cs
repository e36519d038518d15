using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Segmentation;

/// <summary>
/// An FPN-style semantic decoder (the semantic branch of Panoptic FPN, Kirillov et al. 2019): 1×1 laterals on
/// C_min..C5, a top-down pathway (nearest upsampling + sum) and 3×3 output convs give P_min..P5; each P_l then goes
/// through (l − min) stages of [3×3 conv, GroupNorm, ReLU, bilinear ×2 upsampling] (one conv stage for the finest
/// level) so all reach the finest level's resolution, where they are summed. Input: [C_min, …, C5]; output:
/// [B, Channels, H/stride_min, W/stride_min]. Names: <c>lateral.{i}.*</c>, <c>output.{i}.*</c>,
/// <c>branch.{i}.{k}.*</c> (i counts from the finest level).
/// </summary>
public sealed class SegmentationDecoder : nn.Module<Tensor[], Tensor>
{
    readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> lateral, output;
    readonly TorchSharp.Modules.ModuleList<TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>>> branch;

    /// <param name="inChannels">Channels of C_min..C5, finest first.</param>
    /// <param name="channels">Width of every decoder layer.</param>
    public SegmentationDecoder(IReadOnlyList<long> inChannels, int channels) : base(nameof(SegmentationDecoder))
    {
        if (inChannels.Count < 1) throw new ArgumentException("the decoder needs at least one feature map", nameof(inChannels));
        if (channels < 1) throw new ArgumentException($"decoder channels must be positive, got {channels}", nameof(channels));
        Levels = inChannels.Count;
        Channels = channels;
        // GroupNorm with about 4 channels per group (Panoptic FPN: 32 groups of 128 channels), at most 32 groups.
        var norm = new NormSettings(NormKind.GroupNorm, Math.Clamp(channels / 4, 1, 32));
        lateral = new(); output = new(); branch = new();
        for (int i = 0; i < Levels; i++)
        {
            lateral.Add(nn.Conv2d(inChannels[i], channels, 1));
            output.Add(nn.Conv2d(channels, channels, 3, padding: 1));
            var stages = new TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>>();
            for (int k = 0; k < Math.Max(1, i); k++) stages.Add(new ConvNormAct(channels, channels, 3, 1, norm, Activation.ReLU));
            branch.Add(stages);
        }
        RegisterComponents();
        using var noGrad = no_grad();
        foreach (var m in lateral.Concat(output))
            foreach (var (name, p) in m.named_parameters())
            {
                if (name.EndsWith("weight")) nn.init.kaiming_uniform_(p, a: 1);
                else p.zero_();
            }
    }

    /// <summary>Number of feature maps fused.</summary>
    public int Levels { get; }
    public int Channels { get; }

    public override Tensor forward(Tensor[] features)
    {
        if (features.Length != Levels) throw new ArgumentException($"decoder expects {Levels} feature maps, got {features.Length}", nameof(features));
        var inner = new Tensor[Levels];
        inner[Levels - 1] = lateral[Levels - 1].call(features[Levels - 1]);
        for (int i = Levels - 2; i >= 0; i--)
        {
            var lat = lateral[i].call(features[i]);
            inner[i] = lat + nn.functional.interpolate(inner[i + 1], size: new[] { lat.shape[2], lat.shape[3] }, mode: InterpolationMode.Nearest);
        }
        Tensor? fused = null;
        for (int i = 0; i < Levels; i++)
        {
            var x = output[i].call(inner[i]);
            var stages = branch[i];
            for (int k = 0; k < stages.Count; k++)
            {
                x = stages[k].call(x);
                if (i - k - 1 >= 0) // up to the next finer level's exact size (sizes need not be powers of two)
                {
                    var target = inner[i - k - 1];
                    x = nn.functional.interpolate(x, size: new[] { target.shape[2], target.shape[3] }, mode: InterpolationMode.Bilinear, align_corners: false);
                }
            }
            fused = fused is null ? x : fused + x;
        }
        return fused!;
    }
}
