using System.Buffers.Binary;
using System.Text;

namespace Repro.Core.Native;

/// <summary>
/// Reads and edits the version-needs table (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF shared
/// library. Used to mark one symbol-version requirement as weak (VER_FLG_WEAK), which lets the dynamic loader
/// accept an older libstdc++ that lacks it; see <see cref="TorchNativeLoader"/> for why that is safe here.
/// </summary>
public sealed class ElfVersionNeeds
{
    public const ushort VerFlagWeak = 0x2;
    const uint ShtGnuVerneed = 0x6ffffffe;
    const uint ShtGnuVersym = 0x6fffffff;
    const uint ShtDynsym = 11;

    /// <summary>One required version: which library provides it, its name, flags, index, and where its flags live.</summary>
    public sealed record Requirement(string File, string Version, ushort Flags, ushort Index, long FlagsOffset)
    {
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    readonly byte[] _image;
    public IReadOnlyList<Requirement> Requirements { get; }
    /// <summary>Dynamic symbol names per version index (from .dynsym + .gnu.version).</summary>
    public IReadOnlyDictionary<ushort, List<string>> SymbolsByVersionIndex { get; }

    public ElfVersionNeeds(byte[] image, string nameForErrors)
    {
        _image = image;
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw new InvalidDataException($"{nameForErrors}: not an ELF file");
        if (image[4] != 2 || image[5] != 1)
            throw new InvalidDataException($"{nameForErrors}: only 64-bit little-endian ELF is supported");
        long shoff = (long)U64(0x28);
        int shentsize = U16(0x3a), shnum = U16(0x3c);
        var sections = new (uint Type, long Offset, long Size, uint Link)[shnum];
        for (int i = 0; i < shnum; i++)
        {
            long b = shoff + (long)i * shentsize;
            sections[i] = (U32(b + 4), (long)U64(b + 0x18), (long)U64(b + 0x20), U32(b + 0x28));
        }

        var reqs = new List<Requirement>();
        var symbols = new Dictionary<ushort, List<string>>();
        var verneed = Array.FindIndex(sections, s => s.Type == ShtGnuVerneed);
        if (verneed >= 0)
        {
            var strtab = sections[sections[verneed].Link].Offset;
            long entry = sections[verneed].Offset;
            while (true)
            {
                ushort cnt = U16(entry + 2);
                string file = CString(strtab + U32(entry + 4));
                long aux = entry + U32(entry + 8);
                for (int k = 0; k < cnt; k++)
                {
                    reqs.Add(new Requirement(file, CString(strtab + U32(aux + 8)), U16(aux + 4), U16(aux + 6), aux + 4));
                    uint auxNext = U32(aux + 12);
                    if (auxNext == 0) break;
                    aux += auxNext;
                }
                uint next = U32(entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        var dynsym = Array.FindIndex(sections, s => s.Type == ShtDynsym);
        var versym = Array.FindIndex(sections, s => s.Type == ShtGnuVersym);
        if (dynsym >= 0 && versym >= 0)
        {
            var strtab = sections[sections[dynsym].Link].Offset;
            long count = sections[dynsym].Size / 24;
            for (long i = 0; i < count; i++)
            {
                ushort ver = (ushort)(U16(sections[versym].Offset + 2 * i) & 0x7fff);
                string name = CString(strtab + U32(sections[dynsym].Offset + 24 * i));
                if (!symbols.TryGetValue(ver, out var list)) symbols[ver] = list = new List<string>();
                list.Add(name);
            }
        }
        Requirements = reqs;
        SymbolsByVersionIndex = symbols;
    }

    /// <summary>Symbols bound to a required version (empty when none).</summary>
    public IReadOnlyList<string> SymbolsOf(Requirement r) =>
        SymbolsByVersionIndex.TryGetValue(r.Index, out var l) ? l : Array.Empty<string>();

    /// <summary>Returns a copy of the image with the given requirement marked weak.</summary>
    public byte[] WithWeak(Requirement r)
    {
        var copy = (byte[])_image.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan((int)r.FlagsOffset), (ushort)(r.Flags | VerFlagWeak));
        return copy;
    }

    ushort U16(long o) => BinaryPrimitives.ReadUInt16LittleEndian(_image.AsSpan((int)o));
    uint U32(long o) => BinaryPrimitives.ReadUInt32LittleEndian(_image.AsSpan((int)o));
    ulong U64(long o) => BinaryPrimitives.ReadUInt64LittleEndian(_image.AsSpan((int)o));
    string CString(long o)
    {
        int end = Array.IndexOf(_image, (byte)0, (int)o);
        return Encoding.ASCII.GetString(_image, (int)o, end - (int)o);
    }
}
