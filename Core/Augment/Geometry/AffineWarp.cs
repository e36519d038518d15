namespace Repro.Core.Augment.Geometry;

/// <summary>
/// Resamples an interleaved byte raster through an affine map in one pass: each destination pixel centre is sent
/// back through the inverse map (precomputed per row, incremented per column) and read from the source by nearest
/// neighbour or bilinear interpolation; centres that land outside the source take the fill value.
/// </summary>
public static class AffineWarp
{
    /// <summary>
    /// Writes <paramref name="dstRect"/> of <paramref name="dst"/> (row stride <paramref name="dstWidth"/> pixels).
    /// </summary>
    /// <param name="src">Source raster, row stride <paramref name="srcWidth"/> pixels, <paramref name="channels"/> bytes per pixel.</param>
    /// <param name="srcRect">The part of the source that exists; coordinates local to its top-left corner.</param>
    /// <param name="dstToSrc">Inverse map: destination-local continuous coordinates → source-local ones.</param>
    /// <param name="fill">One byte per channel for destination pixels whose centre falls outside the source rect.</param>
    /// <param name="bilinear">Bilinear (edge-clamped inside the source) instead of nearest neighbour.</param>
    public static void Warp(byte[] src, int srcWidth, PixelRect srcRect, byte[] dst, int dstWidth, PixelRect dstRect,
                            int channels, Affine2D dstToSrc, ReadOnlySpan<byte> fill, bool bilinear)
    {
        if (fill.Length != channels) throw new ArgumentException($"fill has {fill.Length} values for {channels} channels", nameof(fill));
        if (channels != 1 && channels != 3) throw new ArgumentOutOfRangeException(nameof(channels), $"{channels} channels: only 1 or 3 are supported");
        if (dstToSrc.B == 0 && dstToSrc.D == 0)
        {
            // Scale/translate/flip: source columns and rows are separable, so sample positions are tabulated once.
            WarpAxisAligned(src, srcWidth, srcRect, dst, dstWidth, dstRect, channels, dstToSrc, fill, bilinear);
            return;
        }
        double w = srcRect.Width, h = srcRect.Height;
        double a = dstToSrc.A, d = dstToSrc.D;
        for (int j = 0; j < dstRect.Height; j++)
        {
            double py = j + 0.5;
            // Source coordinates of the centre of the row's first pixel; step (A, D) per column.
            double qx0 = dstToSrc.A * 0.5 + dstToSrc.B * py + dstToSrc.C;
            double qy0 = dstToSrc.D * 0.5 + dstToSrc.E * py + dstToSrc.F;
            int rowOut = ((dstRect.Y + j) * dstWidth + dstRect.X) * channels;
            if (bilinear)
                BilinearRow(src, srcWidth, srcRect, dst, rowOut, dstRect.Width, channels, qx0, qy0, a, d, fill);
            else
                NearestRow(src, srcWidth, srcRect, dst, rowOut, dstRect.Width, channels, qx0, qy0, a, d, fill, w, h);
        }
    }

    /// <summary>Per-axis sample table: for each destination index, the two source indices (−1: outside) and the
    /// weight of the second in 1/256 (nearest neighbour: both indices equal, weight 0).</summary>
    static void Tabulate(int n, double scale, double offset, int size, bool bilinear, Span<int> i0, Span<int> i1, Span<int> wt)
    {
        for (int i = 0; i < n; i++)
        {
            double q = scale * (i + 0.5) + offset;
            if (!(q >= 0 && q < size)) { i0[i] = -1; continue; }
            if (!bilinear) { i0[i] = i1[i] = (int)q; wt[i] = 0; continue; }
            double u = q - 0.5;
            int k = (int)Math.Floor(u);
            wt[i] = (int)Math.Round((u - k) * 256);
            i0[i] = Math.Max(k, 0);
            i1[i] = Math.Min(k + 1, size - 1);
        }
    }

    static void WarpAxisAligned(byte[] src, int srcWidth, PixelRect sr, byte[] dst, int dstWidth, PixelRect dr,
                                int ch, Affine2D m, ReadOnlySpan<byte> fill, bool bilinear)
    {
        int n = dr.Width, rows = dr.Height;
        var pool = System.Buffers.ArrayPool<int>.Shared;
        int[] buf = pool.Rent(3 * (n + rows));
        try
        {
            var x0 = buf.AsSpan(0, n); var x1 = buf.AsSpan(n, n); var wx = buf.AsSpan(2 * n, n);
            var y0 = buf.AsSpan(3 * n, rows); var y1 = buf.AsSpan(3 * n + rows, rows); var wy = buf.AsSpan(3 * n + 2 * rows, rows);
            Tabulate(n, m.A, m.C, sr.Width, bilinear, x0, x1, wx);
            Tabulate(rows, m.E, m.F, sr.Height, bilinear, y0, y1, wy);
            for (int j = 0; j < rows; j++)
            {
                int o = ((dr.Y + j) * dstWidth + dr.X) * ch;
                if (y0[j] < 0)
                {
                    for (int i = 0; i < n; i++, o += ch)
                        for (int c = 0; c < ch; c++) dst[o + c] = fill[c];
                    continue;
                }
                int ra = ((sr.Y + y0[j]) * srcWidth + sr.X) * ch, rb = ((sr.Y + y1[j]) * srcWidth + sr.X) * ch;
                int vy = wy[j], uy = 256 - vy;
                for (int i = 0; i < n; i++, o += ch)
                {
                    int xa = x0[i];
                    if (xa < 0) { for (int c = 0; c < ch; c++) dst[o + c] = fill[c]; continue; }
                    int pa = ra + xa * ch;
                    if (!bilinear)
                    {
                        dst[o] = src[pa];
                        if (ch == 3) { dst[o + 1] = src[pa + 1]; dst[o + 2] = src[pa + 2]; }
                        continue;
                    }
                    int pb = ra + x1[i] * ch, pc = rb + xa * ch, pd = rb + x1[i] * ch;
                    int vx = wx[i], ux = 256 - vx;
                    // Weights of the four neighbours in 1/65536; they sum to 65536.
                    int w00 = ux * uy, w01 = vx * uy, w10 = ux * vy, w11 = vx * vy;
                    dst[o] = (byte)((src[pa] * w00 + src[pb] * w01 + src[pc] * w10 + src[pd] * w11 + 32768) >> 16);
                    if (ch == 3)
                    {
                        dst[o + 1] = (byte)((src[pa + 1] * w00 + src[pb + 1] * w01 + src[pc + 1] * w10 + src[pd + 1] * w11 + 32768) >> 16);
                        dst[o + 2] = (byte)((src[pa + 2] * w00 + src[pb + 2] * w01 + src[pc + 2] * w10 + src[pd + 2] * w11 + 32768) >> 16);
                    }
                }
            }
        }
        finally { pool.Return(buf); }
    }

    static void NearestRow(byte[] src, int srcWidth, PixelRect sr, byte[] dst, int o, int n, int ch,
                           double qx0, double qy0, double a, double d, ReadOnlySpan<byte> fill, double w, double h)
    {
        // Source position in 32.32 fixed point, stepped per column: floor is an arithmetic shift, and a negative
        // position shifts to a negative index, so one unsigned compare per axis tests "inside".
        const double one = 4294967296.0;
        long qx = (long)Math.Floor(qx0 * one), qy = (long)Math.Floor(qy0 * one);
        long dx = (long)Math.Round(a * one), dy = (long)Math.Round(d * one);
        uint uw = (uint)w, uh = (uint)h;
        for (int i = 0; i < n; i++, o += ch, qx += dx, qy += dy)
        {
            long sx = qx >> 32, sy = qy >> 32;
            if ((ulong)sx < uw && (ulong)sy < uh)
            {
                int s = ((sr.Y + (int)sy) * srcWidth + sr.X + (int)sx) * ch;
                dst[o] = src[s];
                if (ch == 3) { dst[o + 1] = src[s + 1]; dst[o + 2] = src[s + 2]; }
            }
            else
            {
                dst[o] = fill[0];
                if (ch == 3) { dst[o + 1] = fill[1]; dst[o + 2] = fill[2]; }
            }
        }
    }

    static void BilinearRow(byte[] src, int srcWidth, PixelRect sr, byte[] dst, int o, int n, int ch,
                            double qx0, double qy0, double a, double d, ReadOnlySpan<byte> fill)
    {
        int w = sr.Width, h = sr.Height;
        for (int i = 0; i < n; i++, o += ch)
        {
            double qx = qx0 + a * i, qy = qy0 + d * i;
            if (!(qx >= 0 && qx < w && qy >= 0 && qy < h))
            {
                for (int c = 0; c < ch; c++) dst[o + c] = fill[c];
                continue;
            }
            double u = qx - 0.5, v = qy - 0.5;
            int x0 = (int)Math.Floor(u), y0 = (int)Math.Floor(v);
            float fx = (float)(u - x0), fy = (float)(v - y0);
            int xa = Math.Max(x0, 0), xb = Math.Min(x0 + 1, w - 1), ya = Math.Max(y0, 0), yb = Math.Min(y0 + 1, h - 1);
            int r0 = (sr.Y + ya) * srcWidth + sr.X, r1 = (sr.Y + yb) * srcWidth + sr.X;
            int p00 = (r0 + xa) * ch, p01 = (r0 + xb) * ch, p10 = (r1 + xa) * ch, p11 = (r1 + xb) * ch;
            float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
            for (int c = 0; c < ch; c++)
                dst[o + c] = (byte)(src[p00 + c] * w00 + src[p01 + c] * w01 + src[p10 + c] * w10 + src[p11 + c] * w11 + 0.5f);
        }
    }
}
