namespace Repro.Core.Data.Miniature;

/// <summary>How an object's pixels are coloured (see <see cref="ObjectTexture"/>).</summary>
public enum TextureKind { Solid, Stripes, Noise }
