namespace Repro.Core.Data.Miniature;

/// <summary>
/// The unlabeled pool (ImageNet-as-unlabeled's role in self-training): detection-like scenes from their own stream,
/// written as a plain image folder. Their labels go to <see cref="MiniatureLayout.UnlabeledHiddenAnnotations"/> so
/// pseudo-label quality can be measured; training must never read that file.
/// </summary>
public static class UnlabeledPoolWriter
{
    public static void Write(SceneGenerator generator, MiniatureConfig config, string root, IProgress<MiniatureProgress>? progress) =>
        DetectionSetWriter.Write(generator, MiniatureStream.Unlabeled, config.UnlabeledCount,
                                 Path.Combine(root, MiniatureLayout.UnlabeledImages), MiniatureLayout.UnlabeledFileName,
                                 Path.Combine(root, MiniatureLayout.UnlabeledHiddenAnnotations), progress);
}
