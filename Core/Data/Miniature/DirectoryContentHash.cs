using System.Security.Cryptography;
using System.Text;

namespace Repro.Core.Data.Miniature;

/// <summary>A content hash of a folder tree: SHA-256 over (relative path, SHA-256 of the file) for every file in
/// ordinal path order, with '/' separators, so it is independent of creation order and platform.</summary>
public static class DirectoryContentHash
{
    /// <summary>Hash and file count of every file under <paramref name="root"/> except those named in <paramref name="exclude"/>.</summary>
    public static (string Hash, int Files) Compute(string root, params string[] exclude)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(r => !exclude.Contains(r))
            .OrderBy(r => r, StringComparer.Ordinal)
            .ToArray();
        var fileHashes = new string[files.Length];
        Parallel.For(0, files.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                     i => fileHashes[i] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, files[i])))));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < files.Length; i++) sha.AppendData(Encoding.UTF8.GetBytes($"{files[i]}\t{fileHashes[i]}\n"));
        return (Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant(), files.Length);
    }
}
