namespace Repro.Core.Data;

/// <summary>
/// Guards against path traversal: file names read from data files (COCO file_name, VOC ids) must be relative paths
/// that stay inside their root — no absolute paths, drive letters or ".." segments.
/// </summary>
public static class SafeRelativePath
{
    /// <summary>Why <paramref name="relative"/> is unsafe, or null when it is a plain relative path.</summary>
    public static string? Problem(string relative)
    {
        if (string.IsNullOrWhiteSpace(relative)) return "is empty";
        if (relative.IndexOf('\0') >= 0) return "contains a NUL character";
        if (relative[0] == '/' || relative[0] == '\\' || Path.IsPathRooted(relative)
            || (relative.Length >= 2 && relative[1] == ':' && char.IsAsciiLetter(relative[0])))
            return $"'{relative}' is an absolute path; it must be relative to the image root";
        if (relative.Split('/', '\\').Any(s => s == ".."))
            return $"'{relative}' contains a '..' segment (path traversal); it must stay inside the image root";
        return null;
    }

    /// <summary>Root + relative, after checking the name is safe and the result lies under the root.</summary>
    /// <param name="context">Names the file and field for error messages.</param>
    public static string Resolve(string root, string relative, string context)
    {
        var problem = Problem(relative);
        if (problem != null) throw new InvalidDataException($"{context}: {problem}");
        var fullRoot = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(fullRoot, relative));
        var prefix = fullRoot.EndsWith(Path.DirectorySeparatorChar) ? fullRoot : fullRoot + Path.DirectorySeparatorChar;
        if (!full.StartsWith(prefix, StringComparison.Ordinal))
            throw new InvalidDataException($"{context}: '{relative}' resolves outside the image root {fullRoot}");
        return full;
    }
}
