using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models;

/// <summary>
/// Feature Pyramid Network (Lin et al. 2017) as RetinaNet uses it: 1×1 lateral convs on C_min..C5, a top-down pathway
/// (nearest upsampling + sum), 3×3 output convs giving P_min..P5, then extra levels P6.. by stride-2 3×3 convs — the
/// first on C5 or P5 (configurable), each further one after a ReLU of the previous level.
/// Input: [C3, C4, C5]; output: [P_min, …, P_max] all with <see cref="FpnConfig.Channels"/> channels.
/// Names: <c>lateral.{i}.*</c>, <c>output.{i}.*</c>, <c>extra.{i}.*</c> (i counts from the finest level).
/// </summary>
public sealed class Fpn : nn.Module<Tensor[], Tensor[]>
{
    readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> lateral, output, extra;
    readonly FpnConfig _config;

    /// <param name="inChannels">Channels of C3, C4, C5.</param>
    public Fpn(IReadOnlyList<long> inChannels, FpnConfig config) : base(nameof(Fpn))
    {
        config.Validate();
        if (inChannels.Count != 3) throw new ArgumentException($"Fpn expects channels of C3, C4, C5, got {inChannels.Count} entries", nameof(inChannels));
        _config = config;
        long c = config.Channels;
        lateral = new(); output = new(); extra = new();
        for (int level = config.MinLevel; level <= 5; level++)
        {
            lateral.Add(nn.Conv2d(inChannels[level - 3], c, 1));
            output.Add(nn.Conv2d(c, c, 3, padding: 1));
        }
        for (int level = 6; level <= config.MaxLevel; level++)
        {
            long inCh = level == 6 && config.ExtraFrom == FpnExtraSource.C5 ? inChannels[2] : c;
            extra.Add(nn.Conv2d(inCh, c, 3, stride: 2, padding: 1));
        }
        RegisterComponents();
        foreach (var (name, p) in named_parameters())
            using (no_grad())
            {
                if (name.EndsWith("weight")) nn.init.kaiming_uniform_(p, a: 1);
                else p.zero_();
            }
    }

    public FpnConfig Config => _config;

    public override Tensor[] forward(Tensor[] features)
    {
        if (features.Length != 3) throw new ArgumentException($"Fpn expects [C3, C4, C5], got {features.Length} maps", nameof(features));
        int n = 5 - _config.MinLevel + 1;
        var inner = new Tensor[n];
        inner[n - 1] = lateral[n - 1].call(features[2]);
        for (int i = n - 2; i >= 0; i--)
        {
            var lat = lateral[i].call(features[_config.MinLevel - 3 + i]);
            var up = nn.functional.interpolate(inner[i + 1], size: new[] { lat.shape[2], lat.shape[3] }, mode: InterpolationMode.Nearest);
            inner[i] = lat + up;
        }
        var outs = new List<Tensor>(_config.LevelCount);
        for (int i = 0; i < n; i++) outs.Add(output[i].call(inner[i]));
        for (int e = 0; e < extra.Count; e++)
        {
            var src = e == 0 ? (_config.ExtraFrom == FpnExtraSource.C5 ? features[2] : outs[^1]) : nn.functional.relu(outs[^1]);
            outs.Add(extra[e].call(src));
        }
        return outs.ToArray();
    }
}
