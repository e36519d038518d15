namespace Repro.Core.Tests.Data;

/// <summary>A small hand-written COCO instances file: two images, sparse category ids 1/5/9, and annotations covering
/// a normal box, a crowd box, a degenerate box, a box partly outside (clipped) and one wholly outside.</summary>
public static class CocoFixture
{
    // img 1: 32 wide, 24 high; img 7: 16x16.
    public const string Images = """
        [{"id": 7, "file_name": "sub/b.png", "width": 16, "height": 16},
         {"id": 1, "file_name": "a.png", "width": 32, "height": 24}]
        """;
    public const string Categories = """
        [{"id": 9, "name": "dog"}, {"id": 1, "name": "person", "supercategory": "human"}, {"id": 5, "name": "car"}]
        """;
    public const string Annotations = """
        [{"id": 100, "image_id": 1, "category_id": 5, "bbox": [2, 3, 10, 8], "area": 80, "iscrowd": 0,
          "segmentation": [[2, 3, 12, 3, 12, 11, 2, 11]]},
         {"id": 101, "image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 20], "area": 300, "iscrowd": 1,
          "segmentation": {"size": [24, 32], "counts": [10, 20, 738]}},
         {"id": 102, "image_id": 1, "category_id": 9, "bbox": [5, 5, 0.5, 6], "area": 3, "iscrowd": 0},
         {"id": 103, "image_id": 7, "category_id": 9, "bbox": [-4, 2, 10, 5], "area": 50, "iscrowd": 0},
         {"id": 104, "image_id": 7, "category_id": 1, "bbox": [40, 2, 5, 5], "area": 25, "iscrowd": 0},
         {"id": 105, "image_id": 7, "category_id": 1, "bbox": [1.5, 2.5, 4, 6]}]
        """;

    public static string Json(string? images = null, string? annotations = null, string? categories = null) =>
        $$"""{"info": {"description": "fixture"}, "images": {{images ?? Images}}, "annotations": {{annotations ?? Annotations}}, "categories": {{categories ?? Categories}}}""";

    /// <summary>Writes the JSON and the two images (a.png 32×24, sub/b.png 16×16) into <paramref name="dir"/>.</summary>
    public static string Write(TempDataDir dir, string? json = null, string name = "instances.json")
    {
        dir.WritePng("images/a.png", 32, 24, salt: 1);
        dir.WritePng("images/sub/b.png", 16, 16, salt: 2);
        return dir.WriteText(name, json ?? Json());
    }
}
