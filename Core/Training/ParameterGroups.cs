using TorchSharp;
using TorchSharp.Modules;

namespace Repro.Core.Training;

/// <summary>
/// The trainable parameters of a module, split into those that get weight decay and those that do not.
/// A parameter is "norm or bias" when it belongs directly to a normalisation layer (any module whose type name
/// contains "Norm": BatchNorm*, GroupNorm, LayerNorm, InstanceNorm*, FrozenBatchNorm…) or its own name is "bias".
/// Frozen parameters (requires_grad = false) are left out of both groups.
/// </summary>
public sealed class ParameterGroups
{
    /// <summary>Parameters that receive weight decay, in module order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Decay { get; }

    /// <summary>Parameters exempt from weight decay (empty unless the split was requested), in module order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> NoDecay { get; }

    ParameterGroups(List<(string, Parameter)> decay, List<(string, Parameter)> noDecay)
    {
        Decay = decay;
        NoDecay = noDecay;
    }

    /// <summary>Splits the trainable parameters of <paramref name="model"/>; with <paramref name="exemptNormAndBias"/> false all go to <see cref="Decay"/>.</summary>
    public static ParameterGroups Split(torch.nn.Module model, bool exemptNormAndBias)
    {
        ArgumentNullException.ThrowIfNull(model);
        var exempt = new HashSet<string>(StringComparer.Ordinal);
        if (exemptNormAndBias)
        {
            foreach (var (moduleName, module) in model.named_modules().Prepend(("", model)))
            {
                var isNorm = module.GetType().Name.Contains("Norm", StringComparison.Ordinal);
                foreach (var (localName, _) in module.named_parameters(recurse: false))
                    if (isNorm || localName == "bias")
                        exempt.Add(moduleName.Length == 0 ? localName : $"{moduleName}.{localName}");
            }
        }

        var decay = new List<(string, Parameter)>();
        var noDecay = new List<(string, Parameter)>();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!p.requires_grad) continue;
            (exempt.Contains(name) ? noDecay : decay).Add((name, p));
        }
        return new ParameterGroups(decay, noDecay);
    }

    /// <summary>All trainable parameters (both groups).</summary>
    public IEnumerable<Parameter> All => Decay.Concat(NoDecay).Select(x => x.Parameter);
}
