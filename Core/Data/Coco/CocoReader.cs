using System.Text.Json;

namespace Repro.Core.Data.Coco;

/// <summary>
/// Reads a COCO instances JSON into <see cref="CocoDataset"/> with validation. Every error is an
/// <see cref="InvalidDataException"/> whose message starts with the file and names the field and index
/// (e.g. "instances.json: annotations[4].category_id: unknown category id 9"). The box policy is described on
/// <see cref="CocoReadOptions"/>; what it changed is returned in a <see cref="CocoReadReport"/>.
/// </summary>
public static class CocoReader
{
    /// <summary>How many missing image files an error message lists.</summary>
    public const int MissingFilesListed = 5;

    /// <summary>Reads and validates <paramref name="instancesPath"/>. With <paramref name="imagesRoot"/>, also checks
    /// that every image file exists (up front, listing the first few missing).</summary>
    public static CocoReadResult Read(string instancesPath, string? imagesRoot = null, CocoReadOptions? options = null)
    {
        if (!File.Exists(instancesPath)) throw new FileNotFoundException($"COCO instances file not found: {instancesPath}", instancesPath);
        var bytes = File.ReadAllBytes(instancesPath);
        var (dataset, report) = Parse(bytes, instancesPath, imagesRoot, options);
        return new CocoReadResult(dataset, report, Path.GetFullPath(instancesPath), FileHash.Sha256(bytes));
    }

    /// <summary>Validates UTF-8 JSON text; <paramref name="sourceName"/> is used in error messages.</summary>
    public static (CocoDataset Dataset, CocoReadReport Report) Parse(ReadOnlyMemory<byte> utf8Json, string sourceName,
        string? imagesRoot = null, CocoReadOptions? options = null)
    {
        options ??= new CocoReadOptions();
        var f = new JsonFields(sourceName);
        if (utf8Json.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8Json = utf8Json[3..]; // UTF-8 byte-order mark
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{sourceName}: malformed JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw f.Error("(root)", $"must be a JSON object, got {root.ValueKind}");
            var report = new CocoReadReport();
            var categories = ReadCategories(f, f.Array(f.Required(root, "categories", "(root)"), "categories"));
            var images = ReadImages(f, f.Array(f.Required(root, "images", "(root)"), "images"));
            List<CocoAnnotation> annotations = new();
            if (f.TryOptional(root, "annotations", out var anns))
                annotations = ReadAnnotations(f, f.Array(anns, "annotations"), images, categories, options, report);
            else if (options.RequireAnnotations)
                throw f.Error("(root).annotations", "missing required section");
            if (imagesRoot != null && options.CheckImageFiles) CheckImageFiles(f, images, imagesRoot);
            var info = f.TryOptional(root, "info", out var i) ? i.Clone() : (JsonElement?)null;
            return (new CocoDataset { Info = info, Images = images, Annotations = annotations, Categories = categories }, report);
        }
    }

    static List<CocoCategory> ReadCategories(JsonFields f, JsonElement array)
    {
        var list = new List<CocoCategory>();
        var seen = new Dictionary<int, int>();
        int k = 0;
        foreach (var c in array.EnumerateArray())
        {
            var at = $"categories[{k}]";
            int id = f.Int(f.Required(c, "id", at), $"{at}.id");
            if (!seen.TryAdd(id, k)) throw f.Error($"{at}.id", $"duplicate category id {id} (also categories[{seen[id]}])");
            string? super = f.TryOptional(c, "supercategory", out var s) ? f.String(s, $"{at}.supercategory") : null;
            list.Add(new CocoCategory { Id = id, Name = f.String(f.Required(c, "name", at), $"{at}.name"), Supercategory = super });
            k++;
        }
        return list;
    }

    static List<CocoImage> ReadImages(JsonFields f, JsonElement array)
    {
        var list = new List<CocoImage>(array.GetArrayLength());
        var seen = new Dictionary<long, int>();
        int k = 0;
        foreach (var e in array.EnumerateArray())
        {
            var at = $"images[{k}]";
            long id = f.Long(f.Required(e, "id", at), $"{at}.id");
            if (!seen.TryAdd(id, k)) throw f.Error($"{at}.id", $"duplicate image id {id} (also images[{seen[id]}])");
            var name = f.String(f.Required(e, "file_name", at), $"{at}.file_name");
            var problem = SafeRelativePath.Problem(name);
            if (problem != null) throw f.Error($"{at}.file_name", problem);
            int w = f.Int(f.Required(e, "width", at), $"{at}.width");
            int h = f.Int(f.Required(e, "height", at), $"{at}.height");
            if (w <= 0 || h <= 0) throw f.Error($"{at}.width/height", $"image size {w}x{h} must be positive");
            list.Add(new CocoImage { Id = id, FileName = name, Width = w, Height = h });
            k++;
        }
        return list;
    }

    static List<CocoAnnotation> ReadAnnotations(JsonFields f, JsonElement array, List<CocoImage> images,
        List<CocoCategory> categories, CocoReadOptions options, CocoReadReport report)
    {
        var imageById = images.ToDictionary(i => i.Id);
        var categoryIds = categories.Select(c => c.Id).ToHashSet();
        var list = new List<CocoAnnotation>(array.GetArrayLength());
        var seen = new Dictionary<long, int>();
        int k = 0;
        foreach (var a in array.EnumerateArray())
        {
            var at = $"annotations[{k}]";
            long id = f.Long(f.Required(a, "id", at), $"{at}.id");
            if (!seen.TryAdd(id, k)) throw f.Error($"{at}.id", $"duplicate annotation id {id} (also annotations[{seen[id]}])");
            long imageId = f.Long(f.Required(a, "image_id", at), $"{at}.image_id");
            if (!imageById.TryGetValue(imageId, out var image)) throw f.Error($"{at}.image_id", $"unknown image id {imageId} (annotation id {id})");
            int categoryId = f.Int(f.Required(a, "category_id", at), $"{at}.category_id");
            if (!categoryIds.Contains(categoryId)) throw f.Error($"{at}.category_id", $"unknown category id {categoryId} (annotation id {id})");
            var bbox = ReadBbox(f, f.Required(a, "bbox", at), $"{at}.bbox", id);
            int crowd = f.TryOptional(a, "iscrowd", out var c) ? f.Int(c, $"{at}.iscrowd") : 0;
            if (crowd is not (0 or 1)) throw f.Error($"{at}.iscrowd", $"must be 0 or 1, got {crowd}");
            double area = f.TryOptional(a, "area", out var ar) ? f.Double(ar, $"{at}.area") : bbox[2] * bbox[3];
            JsonElement? seg = null;
            if (f.TryOptional(a, "segmentation", out var s))
            {
                CocoSegmentation.Parse(s, $"{f.File}: {at}.segmentation"); // validation only; kept raw
                seg = s.Clone();
            }
            k++;
            if (options.SanitizeBoxes)
            {
                var kept = Sanitize(f, bbox, image, options, report, at, id);
                if (kept == null) continue;
                bbox = kept;
            }
            list.Add(new CocoAnnotation
            {
                Id = id, ImageId = imageId, CategoryId = categoryId, Bbox = bbox, Area = area, IsCrowd = crowd, Segmentation = seg,
            });
        }
        return list;
    }

    static double[] ReadBbox(JsonFields f, JsonElement v, string at, long annotationId)
    {
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 4)
            throw f.Error(at, $"must be [x, y, width, height] (4 numbers), got {(v.ValueKind == JsonValueKind.Array ? $"{v.GetArrayLength()} elements" : v.ValueKind.ToString())} (annotation id {annotationId})");
        var b = new double[4];
        for (int i = 0; i < 4; i++) b[i] = f.Double(v[i], $"{at}[{i}]");
        if (b[2] < 0 || b[3] < 0)
            throw f.Error(at, $"negative box size (width {b[2]}, height {b[3]}) (annotation id {annotationId})");
        return b;
    }

    /// <summary>Applies the box policy; null when the box is skipped.</summary>
    static double[]? Sanitize(JsonFields f, double[] b, CocoImage image, CocoReadOptions options, CocoReadReport report, string at, long id)
    {
        double x1 = b[0], y1 = b[1], x2 = b[0] + b[2], y2 = b[1] + b[3];
        if (x2 <= 0 || y2 <= 0 || x1 >= image.Width || y1 >= image.Height)
        {
            var msg = $"{f.File}: {at}: box [{b[0]}, {b[1]}, {b[2]}, {b[3]}] lies wholly outside image {image.Id} ({image.Width}x{image.Height}) (annotation id {id}); skipped";
            if (options.Strict) throw new InvalidDataException(msg.Replace("; skipped", ""));
            report.AddOutside(msg);
            return null;
        }
        double cx1 = Math.Max(0, x1), cy1 = Math.Max(0, y1), cx2 = Math.Min(image.Width, x2), cy2 = Math.Min(image.Height, y2);
        if (cx2 - cx1 <= options.MinBoxSide || cy2 - cy1 <= options.MinBoxSide)
        {
            var msg = $"{f.File}: {at}: degenerate box [{b[0]}, {b[1]}, {b[2]}, {b[3]}] (clipped size {cx2 - cx1:G4}x{cy2 - cy1:G4} <= {options.MinBoxSide} px) (annotation id {id}); skipped";
            if (options.Strict) throw new InvalidDataException(msg.Replace("; skipped", ""));
            report.AddDegenerate(msg);
            return null;
        }
        if (cx1 == x1 && cy1 == y1 && cx2 == x2 && cy2 == y2) return b;
        report.AddClipped();
        return new[] { cx1, cy1, cx2 - cx1, cy2 - cy1 };
    }

    static void CheckImageFiles(JsonFields f, List<CocoImage> images, string imagesRoot)
    {
        if (!Directory.Exists(imagesRoot)) throw new DirectoryNotFoundException($"image root not found: {imagesRoot} (for {f.File})");
        var missing = new List<string>();
        int count = 0;
        for (int k = 0; k < images.Count; k++)
        {
            var path = SafeRelativePath.Resolve(imagesRoot, images[k].FileName, $"{f.File}: images[{k}].file_name");
            if (File.Exists(path)) continue;
            count++;
            if (missing.Count < MissingFilesListed) missing.Add($"images[{k}].file_name '{images[k].FileName}'");
        }
        if (count > 0)
            throw new InvalidDataException(
                $"{f.File}: {count} of {images.Count} image files missing under {Path.GetFullPath(imagesRoot)}, first: {string.Join(", ", missing)}");
    }
}
