using System.Security.Cryptography;

namespace Repro.Core.Data;

/// <summary>Content hashes of data files (lower-case hex SHA-256), used to tie manifests and records to their inputs.</summary>
public static class FileHash
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
