using Repro.Core.Data.ImageFolder;

namespace Repro.Core.Tests.Data;

public class ImageFolderTests
{
    static TempDataDir Fixture()
    {
        var dir = new TempDataDir();
        dir.WritePng("cls/cat/b.png", 2, 2, salt: 1);
        dir.WritePng("cls/cat/a.PNG", 2, 2, salt: 2);
        dir.WritePng("cls/dog/x.png", 3, 2, salt: 3);
        dir.WritePng("cls/ant/sub/z.png", 2, 3, salt: 4);
        dir.WriteText("cls/dog/readme.txt", "not an image");
        return dir;
    }

    [Fact]
    public void Classes_are_sorted_folders_and_files_sorted_within()
    {
        using var dir = Fixture();
        var ds = new ImageFolderDataset(dir.PathOf("cls"));
        Assert.Equal(new[] { "ant", "cat", "dog" }, ds.Classes);
        Assert.Equal(4, ds.Count);
        Assert.Equal(new[] { "ant/sub/z.png", "cat/a.PNG", "cat/b.png", "dog/x.png" },
            ds.Paths.Select(p => Path.GetRelativePath(dir.PathOf("cls"), p).Replace('\\', '/')));
        Assert.Equal(new[] { 0, 1, 1, 2 }, Enumerable.Range(0, 4).Select(ds.LabelOf));
        var s = ds.Get(1);
        Assert.Equal(new[] { 1 }, s.Labels);
        Assert.Equal(TempDataDir.Pattern(2, 2, salt: 2).Pixels, s.Image.Pixels);
    }

    [Fact]
    public void Empty_class_folder_is_an_error()
    {
        using var dir = Fixture();
        Directory.CreateDirectory(dir.PathOf("cls/empty"));
        var e = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(dir.PathOf("cls")));
        Assert.Contains("'empty'", e.Message);
    }

    [Fact]
    public void Unlabeled_folder_lists_images_in_order()
    {
        using var dir = Fixture();
        dir.WritePng("cls/top.png", 2, 2);
        var flat = new UnlabeledImageFolder(dir.PathOf("cls"));
        Assert.Equal(new[] { "top.png" }, flat.RelativePaths);
        var deep = new UnlabeledImageFolder(dir.PathOf("cls"), recursive: true);
        Assert.Equal(new[] { "ant/sub/z.png", "cat/a.PNG", "cat/b.png", "dog/x.png", "top.png" }, deep.RelativePaths);
        var s = deep.Get(3);
        Assert.Equal(3, s.ImageId);
        Assert.Empty(s.Labels);
        Assert.Equal(TempDataDir.Pattern(3, 2, salt: 3).Pixels, s.Image.Pixels);
        Assert.Throws<InvalidDataException>(() => new UnlabeledImageFolder(dir.PathOf("cls/ant")));
        Assert.Throws<DirectoryNotFoundException>(() => new UnlabeledImageFolder(dir.PathOf("nope")));
    }
}
