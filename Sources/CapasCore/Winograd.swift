import CCapasThreads

// Winograd's minimal filtering F(2×2, 3×3) for 3x3 stride-1 convolutions
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//
// Each 2×2 block of outputs ("tile") is computed from the 4×4 block of input
// under it with 16 products per input/output channel pair instead of 36:
//
//   Y = Aᵀ [ (G w Gᵀ) ⊙ (Bᵀ d B) ] A
//
//        ⎡1  0 −1  0⎤        ⎡ 1    0    0 ⎤        ⎡1  1  1  0⎤
//   Bᵀ = ⎢0  1  1  0⎥    G = ⎢1/2  1/2  1/2⎥   Aᵀ = ⎣0  1 −1 −1⎦
//        ⎢0 −1  1  0⎥        ⎢1/2 −1/2  1/2⎥
//        ⎣0  1  0 −1⎦        ⎣ 0    0    1 ⎦
//
// Summed over input channels, the 16 elementwise products become 16 matrix
// products, one per position ξ of the 4×4 transformed tile:
//   M[ξ] [K × T] = U[ξ] [K × C] · V[ξ] [C × T]      U = G w Gᵀ, V = Bᵀ d B
// where T counts tiles over a chunk of samples.
//
// Backward uses the adjoints of the same transforms, so nothing is flipped and
// any padding works:
//   dM = A dY Aᵀ                      (2×2 → 4×4 per tile)
//   dU[ξ] = Σ dM[ξ] · V[ξ]ᵀ, dw = Gᵀ dU G
//   dV[ξ] = U[ξ]ᵀ · dM[ξ],   dX += B dV Bᵀ (overlapping 4×4 blocks)
//
// F(2×2, 3×3) is the largest tile whose float32 error stays at the level of
// the direct sum (about twice it, measured against float64); F(4×4, 3×3) saves
// more products but its error (≈ 2·10⁻⁵ on unit-scale outputs with 64 input
// channels) no longer meets the tolerance the tests hold every path to.
//
// Tiles are transformed eight at a time along a row: the 4×4 block of tile
// `l` starts at column 2·l, so one row of eight blocks is the even and odd
// lanes of 16 consecutive pixels and of the 16 that start two pixels later.

/// How a convolution computes its products.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// Winograd where it applies and pays (3x3, stride 1, no dilation, one
    /// group, at least `Winograd.minimumChannels` channels in and out), im2col otherwise.
    case automatic
    /// Unrolled receptive fields and one matrix product per sample and group.
    case im2col
    /// Winograd F(2×2, 3×3); only for 3x3 stride-1 undilated convolutions with one group.
    case winograd
}

enum Winograd {
    /// Below this many input or output channels the per-position products are
    /// too thin for the matrix product to run near its speed: im2col wins.
    static let minimumChannels = 16
    /// Tiles per chunk of the batch. OpenBLAS needs long products (about
    /// 1024 tiles) to run near its speed; capas' own kernel runs as fast on a
    /// few dozen, so its chunks are sized for the transformed input and
    /// output of the 16 positions to stay in the second-level cache
    /// (`cacheFloats` floats: 16·(C + K) per tile).
    static func targetTiles(_ g: Conv2D.Geometry) -> Int {
        guard BLAS.smallKernelEnabled else { return 1024 }
        return max(16, cacheFloats / (16 * (g.c + g.k)))
    }
    /// Half of a 1 MiB second-level cache (these machines' Zen 4, and most laptops' since 2020).
    static let cacheFloats = 131_072
    /// Whether the transforms below run as C with AVX2 (`capas_winograd_input`
    /// and the others: the same results, bit for bit, several times faster
    /// than these loops, which Swift compiles for SSE only); tests turn it off
    /// to hold the two to each other. Only where capas' own kernel runs.
    nonisolated(unsafe) static var vectorTransformsEnabled = true
    static var vectorTransforms: Bool { vectorTransformsEnabled && BLAS.smallKernelEnabled }

    typealias V8 = SIMD8<Float>
    typealias V16 = SIMD16<Float>

    static func applies(to g: Conv2D.Geometry) -> Bool {
        g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.groups == 1
    }

    static func pays(for g: Conv2D.Geometry) -> Bool {
        applies(to: g) && g.c >= minimumChannels && g.k >= minimumChannels
    }

    /// Sizes of one pass: tiles, padded planes and how the batch is chunked.
    struct Plan {
        let g: Conv2D.Geometry
        /// Tile rows and columns of one output plane: ⌈H_out/2⌉, ⌈W_out/2⌉.
        let th, tw: Int
        /// Tile columns rounded up to a multiple of eight (one vector of tiles).
        let tw8: Int
        /// The zero-padded input plane the tiles are read from: 2·th + 2 rows of 2·tw8 + 2.
        let ph, pw: Int
        /// Samples per chunk (the last chunk may have fewer) and the number of chunks.
        let chunkSamples, chunks: Int

        init(_ g: Conv2D.Geometry, workers: Int) {
            self.g = g
            th = (g.ho + 1) / 2
            tw = (g.wo + 1) / 2
            tw8 = (tw + 7) / 8 * 8
            ph = 2 * th + 2
            pw = 2 * tw8 + 2
            let tiles = th * tw
            // Enough chunks for every worker, each about `targetTiles` tiles.
            let target = Winograd.targetTiles(g)
            var count = max(workers, (g.n * tiles + target - 1) / target)
            count = min(g.n, (count + workers - 1) / workers * workers)
            chunkSamples = (g.n + count - 1) / count
            chunks = (g.n + chunkSamples - 1) / chunkSamples
        }

        var tiles: Int { th * tw }
        func samples(ofChunk index: Int) -> Range<Int> {
            let start = index * chunkSamples
            return start..<min(g.n, start + chunkSamples)
        }
        /// Floats from one row of a position's matrix to the next (row c of
        /// V, row k of M) in a chunk of `t` tiles: t, eight of slack where the
        /// vector stores of the last tiles land, rounded up to an odd number of
        /// 16 floats (64 bytes). Rows a power of two apart (1024 tiles = 4 KiB)
        /// would all fall in the same sets of the first-level cache, and the
        /// products that walk down a column of them would run at a third of
        /// their speed.
        func rowStride(_ t: Int) -> Int {
            var blocks = (t + 8 + 15) / 16
            if blocks % 2 == 0 { blocks += 1 }
            return 16 * blocks
        }
        /// Floats from one position ξ to the next: C (or K) rows and 16 more,
        /// so that this stride too is an odd number of 64-byte lines (the
        /// transforms read and write the 16 positions of a tile together).
        func inputStride(_ t: Int) -> Int { g.c * rowStride(t) + 16 }
        func outputStride(_ t: Int) -> Int { g.k * rowStride(t) + 16 }
        /// Floats of a full chunk's transformed input and output.
        var chunkInputFloats: Int { 16 * inputStride(chunkSamples * tiles) }
        /// Whether backward takes the transformed input transposed, Vᵀ[ξ][t][c]
        /// (with capas' own kernel): the weight gradient dU = dM · Vᵀ is then
        /// a plain product that runs at full speed, instead of dM · (V)ᵀ.
        /// Training then keeps nothing: backward transforms and transposes
        /// each chunk again while it is in cache, which costs less than
        /// writing the whole batch's Vᵀ to memory and reading it back.
        let transposesInput = BLAS.smallKernelEnabled
        /// Floats from one position ξ of Vᵀ to the next: t rows of C, and 16 more.
        func transposedStride(_ t: Int) -> Int { t * g.c + 16 }
        /// Floats of one chunk's Vᵀ.
        var chunkTransposedFloats: Int { 16 * transposedStride(chunkSamples * tiles) }
        /// Floats of one chunk of the transformed input kept for backward (V).
        var chunkCacheFloats: Int { chunkInputFloats }

        /// Vᵀ of a chunk of `t` tiles from V.
        func transpose(_ v: UnsafePointer<Float>, t: Int, into vt: UnsafeMutablePointer<Float>) {
            let vStride = inputStride(t), vtStride = transposedStride(t), rows = rowStride(t)
            for xi in 0..<16 {
                let done = capas_transpose(v + xi * vStride, g.c, t, rows, vt + xi * vtStride, g.c)
                precondition(done == 0, "transposesInput is set only where capas_transpose runs")
            }
        }
        /// These sizes for the C transforms, for a chunk of `t` tiles.
        func sizes(_ t: Int) -> capas_winograd {
            capas_winograd(c: g.c, h: g.h, w: g.w, pt: g.pt, pl: g.pl, k: g.k, ho: g.ho, wo: g.wo,
                           th: th, tw: tw, tw8: tw8, ph: ph, pw: pw,
                           row_stride: rowStride(t), input_stride: inputStride(t), output_stride: outputStride(t))
        }
        var chunkOutputFloats: Int { 16 * outputStride(chunkSamples * tiles) }
    }

    // MARK: Weights

    /// U[ξ][k][c] = (G w[k, c] Gᵀ)[ξ]: 16 matrices of K × C.
    static func transformWeights(_ w: UnsafePointer<Float>, k: Int, c: Int) -> [Float] {
        let plane = k * c
        return [Float](unsafeUninitializedCapacity: 16 * plane) { buffer, initialized in
            let u = buffer.baseAddress!
            for index in 0..<plane {
                let f = w + index * 9
                // G f: the kernel's rows combined (4 rows of 3).
                @inline(__always) func column(_ j: Int) -> (Float, Float, Float, Float) {
                    let f0 = f[j], f1 = f[3 + j], f2 = f[6 + j]
                    return (f0, 0.5 * (f0 + f1 + f2), 0.5 * (f0 - f1 + f2), f2)
                }
                let c0 = column(0), c1 = column(1), c2 = column(2)
                // (G f) Gᵀ: the same on each row.
                @inline(__always) func row(_ a: Int, _ t0: Float, _ t1: Float, _ t2: Float) {
                    let out = u + 4 * a * plane + index
                    out[0] = t0
                    out[plane] = 0.5 * (t0 + t1 + t2)
                    out[2 * plane] = 0.5 * (t0 - t1 + t2)
                    out[3 * plane] = t2
                }
                row(0, c0.0, c1.0, c2.0)
                row(1, c0.1, c1.1, c2.1)
                row(2, c0.2, c1.2, c2.2)
                row(3, c0.3, c1.3, c2.3)
            }
            initialized = 16 * plane
        }
    }

    /// dw[k, c] += Gᵀ dU[k, c] G: the adjoint of `transformWeights`.
    static func accumulateWeightGradient(_ du: UnsafePointer<Float>, k: Int, c: Int, into dw: UnsafeMutablePointer<Float>) {
        let plane = k * c
        for index in 0..<plane {
            @inline(__always) func m(_ xi: Int) -> Float { du[xi * plane + index] }
            // Gᵀ m: rows of G are [1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1].
            @inline(__always) func column(_ b: Int) -> (Float, Float, Float) {
                let m0 = m(b), m1 = m(4 + b), m2 = m(8 + b), m3 = m(12 + b)
                return (m0 + 0.5 * (m1 + m2), 0.5 * (m1 - m2), 0.5 * (m1 + m2) + m3)
            }
            let s0 = column(0), s1 = column(1), s2 = column(2), s3 = column(3)
            // (Gᵀ m) G: the same on each row.
            let out = dw + index * 9
            @inline(__always) func row(_ r: Int, _ v0: Float, _ v1: Float, _ v2: Float, _ v3: Float) {
                out[3 * r] += v0 + 0.5 * (v1 + v2)
                out[3 * r + 1] += 0.5 * (v1 - v2)
                out[3 * r + 2] += 0.5 * (v1 + v2) + v3
            }
            row(0, s0.0, s1.0, s2.0, s3.0)
            row(1, s0.1, s1.1, s2.1, s3.1)
            row(2, s0.2, s1.2, s2.2, s3.2)
        }
    }

    // MARK: Vectors of eight tiles

    /// Eight floats from `p` (readable: the slack).
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V8 { UnsafeRawPointer(p).loadUnaligned(as: V8.self) }

    /// Stores eight lanes. Lanes past a row's last tile land on the next
    /// row's first tiles, which are written afterwards, or in the slack.
    @inline(__always)
    static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
    }

    /// Eight floats from `p` (readable: the slack), the lanes where `mask` is zero set to zero.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, mask: SIMD8<UInt32>) -> V8 {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt32>.self)
        return unsafeBitCast(v & mask, to: V8.self)
    }

    /// All bits set in the first `count` lanes, none in the others.
    static func laneMask(_ count: Int) -> SIMD8<UInt32> {
        var mask = SIMD8<UInt32>()
        for lane in 0..<min(8, count) { mask[lane] = .max }
        return mask
    }

    /// [a0, b0, a1, b1, …, a7, b7].
    @inline(__always)
    static func interleave(_ a: V8, _ b: V8) -> V16 {
        V16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> V16 { UnsafeRawPointer(p).loadUnaligned(as: V16.self) }

    // MARK: Input

    /// Copies one input plane into the zero-bordered plane `padded` (whose
    /// border is zero already and stays so).
    @inline(__always)
    static func pad(_ x: UnsafePointer<Float>, _ p: Plan, into padded: UnsafeMutablePointer<Float>) {
        let g = p.g
        for iy in 0..<g.h {
            Conv2D.copy(x + iy * g.w, padded + (iy + g.pt) * p.pw + g.pl, g.w)
        }
    }

    /// V[ξ][c][t] for the samples `samples` (t counts their tiles in order):
    /// Bᵀ d B of every 4×4 block. `padded` is a zeroed ph × pw scratch plane.
    static func transformInput(_ x: UnsafePointer<Float>, _ p: Plan, samples: Range<Int>,
                               padded: UnsafeMutablePointer<Float>, into v: UnsafeMutablePointer<Float>) {
        let g = p.g
        let t = samples.count * p.tiles
        if vectorTransforms {
            var sizes = p.sizes(t)
            if capas_winograd_input(&sizes, x + samples.lowerBound * g.c * g.h * g.w, samples.count, padded, v) == 0 { return }
        }
        let xiStride = p.inputStride(t)
        // Channel by channel, then sample by sample: tiles are written in
        // increasing order, so a vector's spare lanes are overwritten later.
        for c in 0..<g.c {
            for (index, s) in samples.enumerated() {
                pad(x + (s * g.c + c) * g.h * g.w, p, into: padded)
                let out = v + c * p.rowStride(t) + index * p.tiles
                for ty in 0..<p.th {
                    var tx = 0
                    while tx < p.tw {
                        let base = padded + 2 * ty * p.pw + 2 * tx
                        // Row r of the eight 4×4 blocks, column by column.
                        @inline(__always) func row(_ r: Int) -> (V8, V8, V8, V8) {
                            let a = load16(base + r * p.pw), b = load16(base + r * p.pw + 2)
                            return (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
                        }
                        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
                        let dst = out + ty * p.tw + tx
                        // Bᵀ d combines rows into [d0 − d2, d1 + d2, d2 − d1, d1 − d3];
                        // · B does the same on the columns of each.
                        @inline(__always) func emit(_ i: Int, _ t: (V8, V8, V8, V8)) {
                            let at = dst + 4 * i * xiStride
                            store(t.0 - t.2, at)
                            store(t.1 + t.2, at + xiStride)
                            store(t.2 - t.1, at + 2 * xiStride)
                            store(t.1 - t.3, at + 3 * xiStride)
                        }
                        emit(0, (r0.0 - r2.0, r0.1 - r2.1, r0.2 - r2.2, r0.3 - r2.3))
                        emit(1, (r1.0 + r2.0, r1.1 + r2.1, r1.2 + r2.2, r1.3 + r2.3))
                        emit(2, (r2.0 - r1.0, r2.1 - r1.1, r2.2 - r1.2, r2.3 - r1.3))
                        emit(3, (r1.0 - r3.0, r1.1 - r3.1, r1.2 - r3.2, r1.3 - r3.3))
                        tx += 8
                    }
                }
            }
        }
    }

    // MARK: Output

    /// y = Aᵀ m A + bias for every tile of `samples`, from M[ξ][k][t]; relu when `rectified`.
    /// `y` holds the samples from `firstSample` on (the whole batch, or one chunk's).
    static func transformOutput(_ m: UnsafePointer<Float>, _ p: Plan, samples: Range<Int>, bias: UnsafePointer<Float>?,
                                rectified: Bool, into y: UnsafeMutablePointer<Float>, firstSample: Int = 0) {
        let g = p.g
        let t = samples.count * p.tiles
        if vectorTransforms {
            var sizes = p.sizes(t)
            let out = y + (samples.lowerBound - firstSample) * g.k * g.ho * g.wo
            if capas_winograd_output(&sizes, m, samples.count, bias, rectified ? 1 : 0, out) == 0 { return }
        }
        let xiStride = p.outputStride(t)
        for (index, s) in samples.enumerated() {
            for k in 0..<g.k {
                let src = m + k * p.rowStride(t) + index * p.tiles
                let plane = y + ((s - firstSample) * g.k + k) * g.ho * g.wo
                let b = V8(repeating: bias?[k] ?? 0)
                for ty in 0..<p.th {
                    var tx = 0
                    while tx < p.tw {
                        // Lanes past the row's last tile give columns past the plane's edge, never stored.
                        let (y00, y01, y10, y11) = tileOutputs(src + ty * p.tw + tx, xiStride, bias: b, rectified: rectified)
                        let oy = 2 * ty, ox = 2 * tx
                        let width = min(16, g.wo - ox)
                        put(interleave(y00, y01), plane + oy * g.wo + ox, width)
                        if oy + 1 < g.ho { put(interleave(y10, y11), plane + (oy + 1) * g.wo + ox, width) }
                        tx += 8
                    }
                }
            }
        }
    }

    /// The 2×2 outputs Aᵀ m A + bias of eight tiles (relu'd when `rectified`),
    /// from the 16 positions of M at `at`, `xiStride` apart.
    @inline(__always)
    static func tileOutputs(_ at: UnsafePointer<Float>, _ xiStride: Int, bias b: V8, rectified: Bool) -> (V8, V8, V8, V8) {
        @inline(__always) func q(_ xi: Int) -> V8 { load(at + xi * xiStride) }
        // Aᵀ m: rows 0+1+2 and 1−2−3.
        let s0 = (q(0) + q(4) + q(8), q(1) + q(5) + q(9), q(2) + q(6) + q(10), q(3) + q(7) + q(11))
        let s1 = (q(4) - q(8) - q(12), q(5) - q(9) - q(13), q(6) - q(10) - q(14), q(7) - q(11) - q(15))
        var y00 = s0.0 + s0.1 + s0.2 + b, y01 = s0.1 - s0.2 - s0.3 + b
        var y10 = s1.0 + s1.1 + s1.2 + b, y11 = s1.1 - s1.2 - s1.3 + b
        if rectified {
            // max(0, v), and 0 for NaN, like `rectify`.
            y00 = y00.replacing(with: 0, where: .!(y00 .> 0))
            y01 = y01.replacing(with: 0, where: .!(y01 .> 0))
            y10 = y10.replacing(with: 0, where: .!(y10 .> 0))
            y11 = y11.replacing(with: 0, where: .!(y11 .> 0))
        }
        return (y00, y01, y10, y11)
    }

    /// max pooling with 2×2 windows and stride 2 of relu(Aᵀ m A + bias): a
    /// window is exactly a tile, so the four outputs of each tile are compared
    /// where they are computed and only the pooled value is stored (eight
    /// tiles, eight pooled values side by side). The rule of `Pool2D`: the
    /// first maximum in reading order wins; relu leaves no NaN to compare.
    /// `winners` (when training) gets each window's winner as `Pool2D` records it:
    /// its index in the unpooled plane. `pooled` and `winners` hold the whole batch.
    static func transformOutputPooled(_ m: UnsafePointer<Float>, _ p: Plan, samples: Range<Int>, bias: UnsafePointer<Float>?,
                                      into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Int32>?,
                                      pooledHeight pho: Int, pooledWidth pwo: Int) {
        let g = p.g
        let t = samples.count * p.tiles
        if vectorTransforms {
            var sizes = p.sizes(t)
            if capas_winograd_output_pooled(&sizes, m, samples.count, samples.lowerBound, bias, pooled, winners, pho, pwo) == 0 {
                return
            }
        }
        let xiStride = p.outputStride(t)
        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        let w = Int32(truncatingIfNeeded: g.wo)
        for (index, s) in samples.enumerated() {
            for k in 0..<g.k {
                let src = m + k * p.rowStride(t) + index * p.tiles
                let plane = (s * g.k + k) * pho * pwo
                let b = V8(repeating: bias?[k] ?? 0)
                for ty in 0..<pho {
                    var tx = 0
                    while tx < pwo {
                        // The same outputs, computed the same way, as `transformOutput`'s.
                        let (y00, y01, y10, y11) = tileOutputs(src + ty * p.tw + tx, xiStride, bias: b, rectified: true)
                        var best = y00
                        let count = min(8, pwo - tx)
                        let out = pooled + plane + ty * pwo + tx
                        if let winners {
                            // Index of the top-left output of each window, then +1, +w, +w + 1.
                            let topLeft = lanes &+ Int32(truncatingIfNeeded: 2 * ty * g.wo + 2 * tx)
                            var winner = topLeft
                            var m = y01 .> best
                            best.replace(with: y01, where: m); winner.replace(with: topLeft &+ 1, where: m)
                            m = y10 .> best
                            best.replace(with: y10, where: m); winner.replace(with: topLeft &+ w, where: m)
                            m = y11 .> best
                            best.replace(with: y11, where: m); winner.replace(with: topLeft &+ w &+ 1, where: m)
                            let winnersOut = winners + (out - pooled)
                            for lane in 0..<count { winnersOut[lane] = winner[lane] }
                        } else {
                            best.replace(with: y01, where: y01 .> best)
                            best.replace(with: y10, where: y10 .> best)
                            best.replace(with: y11, where: y11 .> best)
                        }
                        if count == 8 { store(best, out) } else { for lane in 0..<count { out[lane] = best[lane] } }
                        tx += 8
                    }
                }
            }
        }
    }

    /// Stores the first `count` of sixteen lanes.
    @inline(__always)
    static func put(_ v: V16, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V16.self); return }
        withUnsafeBytes(of: v) { Conv2D.copy($0.baseAddress!.assumingMemoryBound(to: Float.self), p, count) }
    }

    // MARK: Backward

    /// dM[ξ][k][t] = (A dY Aᵀ)[ξ] for every 2×2 tile of the output gradient.
    /// `padded` is a zeroed scratch of 2·th rows × 2·tw8 columns.
    static func transformOutputGradient(_ dy: UnsafePointer<Float>, _ p: Plan, samples: Range<Int>,
                                        padded: UnsafeMutablePointer<Float>, into dm: UnsafeMutablePointer<Float>) {
        let g = p.g
        let t = samples.count * p.tiles
        if vectorTransforms {
            var sizes = p.sizes(t)
            if capas_winograd_output_gradient(&sizes, dy + samples.lowerBound * g.k * g.ho * g.wo, samples.count,
                                              padded, dm) == 0 { return }
        }
        let xiStride = p.outputStride(t)
        let qw = 2 * p.tw8
        // Tiles in increasing order, as in `transformInput`.
        for k in 0..<g.k {
            for (index, s) in samples.enumerated() {
                let plane = dy + (s * g.k + k) * g.ho * g.wo
                for oy in 0..<g.ho { Conv2D.copy(plane + oy * g.wo, padded + oy * qw, g.wo) }
                let out = dm + k * p.rowStride(t) + index * p.tiles
                for ty in 0..<p.th {
                    var tx = 0
                    while tx < p.tw {
                        let a = load16(padded + 2 * ty * qw + 2 * tx), b = load16(padded + (2 * ty + 1) * qw + 2 * tx)
                        let d00 = a.evenHalf, d01 = a.oddHalf, d10 = b.evenHalf, d11 = b.oddHalf
                        // A dY: rows [d0, d0 + d1, d0 − d1, −d1]; then the same on columns.
                        let r = ((d00, d01), (d00 + d10, d01 + d11), (d00 - d10, d01 - d11), (-d10, -d11))
                        let dst = out + ty * p.tw + tx
                        @inline(__always) func emit(_ i: Int, _ row: (V8, V8)) {
                            let base = dst + 4 * i * xiStride
                            store(row.0, base)
                            store(row.0 + row.1, base + xiStride)
                            store(row.0 - row.1, base + 2 * xiStride)
                            store(-row.1, base + 3 * xiStride)
                        }
                        emit(0, r.0); emit(1, r.1); emit(2, r.2); emit(3, r.3)
                        tx += 8
                    }
                }
            }
        }
    }

    /// dX = Σ B dV Bᵀ over the overlapping 4×4 blocks, for the samples of a chunk.
    /// `padded` is a ph × pw scratch plane (zeroed here before each plane).
    static func transformInputGradient(_ dv: UnsafePointer<Float>, _ p: Plan, samples: Range<Int>,
                                       padded: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let g = p.g
        let t = samples.count * p.tiles
        if vectorTransforms {
            var sizes = p.sizes(t)
            if capas_winograd_input_gradient(&sizes, dv, samples.count, padded, dx + samples.lowerBound * g.c * g.h * g.w) == 0 {
                return
            }
        }
        let xiStride = p.inputStride(t)
        let full = laneMask(8), tail = laneMask(p.tw - (p.tw8 - 8))
        for (index, s) in samples.enumerated() {
            for c in 0..<g.c {
                Conv2D.fill(padded, 0, p.ph * p.pw)
                let src = dv + c * p.rowStride(t) + index * p.tiles
                for ty in 0..<p.th {
                    var tx = 0
                    while tx < p.tw {
                        let mask = tx + 8 <= p.tw ? full : tail
                        let at = src + ty * p.tw + tx
                        // Lanes past the row's last tile hold the next row's tiles: zeroed.
                        @inline(__always) func q(_ xi: Int) -> V8 { load(at + xi * xiStride, mask: mask) }
                        // B v: rows [v0, v1 − v2 + v3, −v0 + v1 + v2, −v3].
                        @inline(__always) func column(_ j: Int) -> (V8, V8, V8, V8) {
                            let v0 = q(j), v1 = q(4 + j), v2 = q(8 + j), v3 = q(12 + j)
                            return (v0, v1 - v2 + v3, v1 + v2 - v0, -v3)
                        }
                        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
                        let base = padded + 2 * ty * p.pw + 2 * tx
                        // (B v) Bᵀ on each row, added onto the plane.
                        @inline(__always) func add(_ r: Int, _ u0: V8, _ u1: V8, _ u2: V8, _ u3: V8) {
                            let line = base + r * p.pw
                            UnsafeMutableRawPointer(line)
                                .storeBytes(of: load16(line) + interleave(u0, u1 - u2 + u3), as: V16.self)
                            UnsafeMutableRawPointer(line + 2)
                                .storeBytes(of: load16(line + 2) + interleave(u1 + u2 - u0, -u3), as: V16.self)
                        }
                        add(0, c0.0, c1.0, c2.0, c3.0)
                        add(1, c0.1, c1.1, c2.1, c3.1)
                        add(2, c0.2, c1.2, c2.2, c3.2)
                        add(3, c0.3, c1.3, c2.3, c3.3)
                        tx += 8
                    }
                }
                let plane = dx + (s * g.c + c) * g.h * g.w
                for iy in 0..<g.h {
                    Conv2D.copy(padded + (iy + g.pt) * p.pw + g.pl, plane + iy * g.w, g.w)
                }
            }
        }
    }
}

// MARK: - The layer's passes

extension Conv2D {
    func winogradForward(_ x: Tensor, _ g: Geometry, training: Bool, pool: Pool2D?) -> Tensor {
        let plan = Winograd.Plan(g, workers: Parallel.threads)
        let rectified = fusesReLU
        // The transformed input is what backward needs for the weight gradient.
        let cacheFloats = plan.chunks * plan.chunkCacheFloats
        // With Vᵀ wanted, backward transforms and transposes each chunk again, in cache: cheaper than
        // writing the whole batch's Vᵀ to memory here and reading it back (cnn-cifar trains about 10 % faster).
        let cache = training && !plan.transposesInput && cacheFloats * MemoryLayout<Float>.size <= Conv2D.columnCacheLimit
        if training {
            winogradPlan = plan
            if !cache { columns = [] } else if columns.count != cacheFloats { columns = workspace(cacheFloats) }
        }
        let u: [Float]
        if let held = heldTransformedWeights, held.count == 16 * g.k * g.c {
            u = held
        } else {
            u = weight.value.data.withUnsafeBufferPointer { Winograd.transformWeights($0.baseAddress!, k: g.k, c: g.c) }
            if holdsTransformedWeights { heldTransformedWeights = u }
        }
        let biasValues = bias?.value.data ?? []
        // Pooled: a chunk's output is made in `unpooled`, then pooled into the output while in cache.
        let pooling = pool?.prepareFused(inputShape: outputShape(g), training: training)
        let outPlane = g.k * g.ho * g.wo, pooledPlane = pooling.map { $0.0.ho * $0.0.wo * g.k } ?? 0
        return x.data.withUnsafeBufferPointer { xp in
            u.withUnsafeBufferPointer { up in
                biasValues.withUnsafeBufferPointer { bp in
                    columns.withUnsafeMutableBufferPointer { cachep in
                      Pool2D.withFusedWinners(of: pool) { winners in
                        Tensor(shape: pooling?.1 ?? outputShape(g)) { yb, _ in
                            let xb = xp.baseAddress!, ub = up.baseAddress!, cacheBase = cachep.baseAddress
                            let biasBase = bias == nil ? nil : bp.baseAddress
                            Parallel.forChunks(plan.chunks) { _, range in
                                var padded = [Float](repeating: 0, count: plan.ph * plan.pw)
                                // V is made in place in the cache, or here.
                                let inCache = cache
                                var scratch = workspace(inCache ? 0 : plan.chunkInputFloats)
                                var m = workspace(plan.chunkOutputFloats)
                                let twoByTwo = pooling.map { $0.0.kh == 2 && $0.0.kw == 2 && $0.0.sh == 2 && $0.0.sw == 2 } ?? false
                                var unpooled = workspace(pooling == nil || twoByTwo ? 0 : plan.chunkSamples * outPlane)
                                unpooled.withUnsafeMutableBufferPointer { unpooledp in
                                padded.withUnsafeMutableBufferPointer { pp in
                                scratch.withUnsafeMutableBufferPointer { sp in
                                m.withUnsafeMutableBufferPointer { mp in
                                    for chunk in range {
                                        let samples = plan.samples(ofChunk: chunk)
                                        let t = samples.count * plan.tiles
                                        let v = inCache ? cacheBase! + chunk * plan.chunkCacheFloats : sp.baseAddress!
                                        Winograd.transformInput(xb, plan, samples: samples, padded: pp.baseAddress!, into: v)
                                        let vStride = plan.inputStride(t), mStride = plan.outputStride(t)
                                        let rowStride = plan.rowStride(t)
                                        for xi in 0..<16 {
                                            BLAS.product(m: g.k, n: t, k: g.c, a: ub + xi * g.k * g.c,
                                                         b: v + xi * vStride, ldb: rowStride,
                                                         c: mp.baseAddress! + xi * mStride, ldc: rowStride)
                                        }
                                        if let (pg, _) = pooling, pg.kh == 2, pg.kw == 2, pg.sh == 2, pg.sw == 2 {
                                            Winograd.transformOutputPooled(mp.baseAddress!, plan, samples: samples, bias: biasBase,
                                                                           into: yb, winners: winners,
                                                                           pooledHeight: pg.ho, pooledWidth: pg.wo)
                                            continue
                                        }
                                        guard let (pg, _) = pooling else {
                                            Winograd.transformOutput(mp.baseAddress!, plan, samples: samples, bias: biasBase,
                                                                     rectified: rectified, into: yb)
                                            continue
                                        }
                                        let out = unpooledp.baseAddress!
                                        Winograd.transformOutput(mp.baseAddress!, plan, samples: samples, bias: biasBase,
                                                                 rectified: rectified, into: out, firstSample: samples.lowerBound)
                                        for (index, s) in samples.enumerated() {
                                            Pool2D.maxUnpadded(out + index * outPlane, yb + s * pooledPlane,
                                                               winners.map { $0 + s * pooledPlane }, pg, planes: 0..<g.k)
                                        }
                                    }
                                }
                                }
                                }
                                }
                            }
                        }
                      }
                    }
                }
            }
        }
    }

    func winogradBackward(_ dy: Tensor, _ plan: Winograd.Plan) -> Tensor {
        let g = plan.g
        let skipInput = skipsInputGradient
        // Frozen (fine-tuning): no dU, so the input tiles are not transformed either.
        let skipWeights = weight.frozen
        let u = weight.value.data.withUnsafeBufferPointer { Winograd.transformWeights($0.baseAddress!, k: g.k, c: g.c) }
        // Every element of dX is written (the transform copies whole planes out).
        var dx = skipInput ? Tensor(zeros: input.shape) : Tensor(shape: input.shape) { _, _ in }
        let workers = Parallel.workers(for: plan.chunks)
        let uCount = 16 * g.k * g.c
        // Per-worker accumulators, summed in worker order afterwards.
        var duParts = [Float](repeating: 0, count: workers * uCount)
        var dbParts = [Float](repeating: 0, count: workers * g.k)
        let cached = columns.count == plan.chunks * plan.chunkCacheFloats
        let outPlane = g.k * g.ho * g.wo
        input.data.withUnsafeBufferPointer { xp in
        columns.withUnsafeBufferPointer { cachep in
        u.withUnsafeBufferPointer { up in
        dy.data.withUnsafeBufferPointer { dyp in
        dx.data.withUnsafeMutableBufferPointer { dxp in
        duParts.withUnsafeMutableBufferPointer { dup in
        dbParts.withUnsafeMutableBufferPointer { dbp in
            let xb = xp.baseAddress!, ub = up.baseAddress!, dyb = dyp.baseAddress!, dxb = dxp.baseAddress!
            let cacheBase = cachep.baseAddress
            Parallel.forChunks(plan.chunks, workers: workers) { worker, range in
                let duLocal = dup.baseAddress! + worker * uCount
                let dbLocal = dbp.baseAddress! + worker * g.k
                var padded = [Float](repeating: 0, count: cached ? 0 : plan.ph * plan.pw)
                var sums = workspace(skipInput ? 0 : plan.ph * plan.pw)
                var gradientPlane = [Float](repeating: 0, count: 2 * plan.th * 2 * plan.tw8)
                var scratch = workspace(cached ? 0 : plan.chunkInputFloats)
                // Not kept, but wanted transposed: made here from `scratch`.
                var transposed = workspace(cached || !plan.transposesInput ? 0 : plan.chunkTransposedFloats)
                var dm = workspace(plan.chunkOutputFloats)
                var dv = workspace(skipInput ? 0 : plan.chunkInputFloats)
                padded.withUnsafeMutableBufferPointer { pp in
                sums.withUnsafeMutableBufferPointer { sump in
                gradientPlane.withUnsafeMutableBufferPointer { gp in
                scratch.withUnsafeMutableBufferPointer { sp in
                transposed.withUnsafeMutableBufferPointer { tp in
                dm.withUnsafeMutableBufferPointer { dmp in
                dv.withUnsafeMutableBufferPointer { dvp in
                    let dmb = dmp.baseAddress!
                    for chunk in range {
                        let samples = plan.samples(ofChunk: chunk)
                        let t = samples.count * plan.tiles
                        let vStride = plan.inputStride(t), mStride = plan.outputStride(t)
                        let rowStride = plan.rowStride(t)
                        Winograd.transformOutputGradient(dyb, plan, samples: samples, padded: gp.baseAddress!, into: dmb)
                        if !skipWeights {
                        let v: UnsafePointer<Float>
                        if cached {
                            v = cacheBase! + chunk * plan.chunkCacheFloats
                        } else {
                            Winograd.transformInput(xb, plan, samples: samples, padded: pp.baseAddress!, into: sp.baseAddress!)
                            if plan.transposesInput { plan.transpose(sp.baseAddress!, t: t, into: tp.baseAddress!) }
                            v = UnsafePointer(plan.transposesInput ? tp.baseAddress! : sp.baseAddress!)
                        }
                        for xi in 0..<16 {
                            if plan.transposesInput && !cached {
                                // dU[ξ] += dM[ξ] [K × T] · Vᵀ[ξ] [T × C]
                                BLAS.product(m: g.k, n: g.c, k: t, a: dmb + xi * mStride, lda: rowStride,
                                             b: v + xi * plan.transposedStride(t), ldb: g.c, accumulate: true,
                                             c: duLocal + xi * g.k * g.c, ldc: g.c)
                            } else {
                                // dU[ξ] += dM[ξ] [K × T] · V[ξ]ᵀ [T × C]
                                BLAS.sgemm(transposeB: true, m: g.k, n: g.c, k: t, a: dmb + xi * mStride, lda: rowStride,
                                           b: v + xi * vStride, ldb: rowStride, beta: 1, c: duLocal + xi * g.k * g.c)
                            }
                        }
                        }
                        if !skipInput {
                            let dvb = dvp.baseAddress!
                            for xi in 0..<16 {
                                // dV[ξ] = U[ξ]ᵀ [C × K] · dM[ξ] [K × T]
                                BLAS.product(transposeA: true, m: g.c, n: t, k: g.k, a: ub + xi * g.k * g.c,
                                             b: dmb + xi * mStride, ldb: rowStride, c: dvb + xi * vStride, ldc: rowStride)
                            }
                            Winograd.transformInputGradient(dvb, plan, samples: samples, padded: sump.baseAddress!, into: dxb)
                        }
                        for s in samples {
                            for o in 0..<g.k {
                                dbLocal[o] += Conv2D.sum(dyb + s * outPlane + o * g.cols, g.cols)
                            }
                        }
                    }
                }
                }
                }
                }
                }
                }
                }
            }
        }
        }
        }
        }
        }
        }
        }
        if skipWeights { return dx }
        var du = [Float](repeating: 0, count: uCount)
        for worker in 0..<workers {
            for i in 0..<uCount { du[i] += duParts[worker * uCount + i] }
        }
        du.withUnsafeBufferPointer { dup in
            weight.grad.data.withUnsafeMutableBufferPointer { gp in
                Winograd.accumulateWeightGradient(dup.baseAddress!, k: g.k, c: g.c, into: gp.baseAddress!)
            }
        }
        if let bias {
            for worker in 0..<workers {
                for o in 0..<g.k { bias.grad.data[o] += dbParts[worker * g.k + o] }
            }
        }
        return dx
    }
}
