namespace Repro.Core.Models.Backbones;

/// <summary>Builds a <see cref="Backbone"/> from a <see cref="BackboneConfig"/>.</summary>
public static class BackboneFactory
{
    public static Backbone Create(BackboneConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        switch (config.Family)
        {
            case BackboneFamily.ResNet:
            {
                var spec = ResNetSpec.FromName(config.Name).Scaled(config.WidthMultiplier, config.DepthMultiplier);
                return new ResNet(spec, new NormSettings(config.Norm, config.GroupNormGroups, 1e-5, 0.1), config.ZeroInitResidual);
            }
            case BackboneFamily.EfficientNet:
            {
                var spec = EfficientNetSpec.FromName(config.Name);
                spec = spec with
                {
                    Width = spec.Width * config.WidthMultiplier,
                    Depth = spec.Depth * config.DepthMultiplier,
                    StochasticDepth = config.StochasticDepth ?? spec.StochasticDepth,
                };
                // EfficientNet's reference training uses BN eps 1e-3 and momentum 0.01 (TF's decay 0.99).
                return new EfficientNet(spec, new NormSettings(config.Norm, config.GroupNormGroups, 1e-3, 0.01));
            }
            default:
                throw new ArgumentException($"unknown backbone family {config.Family}", nameof(config));
        }
    }
}
