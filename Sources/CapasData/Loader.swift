import CapasCore

/// How pixel bytes become floats.
public enum Normalization: Sendable, Equatable {
    /// x/255, in [0, 1] (PyTorch's `ToTensor`).
    case unit
    /// (x/255 − mean[c]) / std[c] per channel (PyTorch's `Normalize` after `ToTensor`);
    /// one value, or one per channel.
    case standardize(mean: [Float], std: [Float])
}

/// Random changes to training images.
public enum Augmentation: Sendable, Equatable {
    case none
    /// The ConvNetJS CIFAR-10 demo's: a horizontal flip half of the time and a
    /// shift of −2…2 pixels in x and in y; pixels shifted in are zero (before
    /// normalization), as when cropping from a zero-padded image.
    case flipAndShift
}

/// One mini-batch: images [B, C, H, W], labels, and the dataset indices they came from.
public struct Batch: Sendable {
    public let images: Tensor
    public let labels: [Int]
    public let indices: [Int]
}

/// Mini-batches over a dataset, reshuffled every epoch (Fisher–Yates) from
/// the seed: the same seed and epoch always give the same batches, augmented
/// the same way. The last batch may be smaller, as with PyTorch's
/// `drop_last=False`. Pixels become floats only when a batch is made.
public struct Loader: Sendable {
    public let dataset: Dataset
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let normalization: Normalization
    public let augmentation: Augmentation

    /// - Precondition: `batchSize ≥ 1`; `.standardize` has one or `channels`
    ///   means and standard deviations, all deviations positive.
    public init(dataset: Dataset, batchSize: Int, shuffle: Bool, seed: UInt64, normalization: Normalization = .unit,
                augmentation: Augmentation = .none) {
        precondition(batchSize >= 1, "Loader: batch size \(batchSize) must be at least 1")
        if case let .standardize(mean, std) = normalization {
            precondition([1, dataset.channels].contains(mean.count) && [1, dataset.channels].contains(std.count),
                         "Loader: give 1 or \(dataset.channels) means and standard deviations")
            precondition(std.allSatisfy { $0 > 0 }, "Loader: standard deviations must be positive")
        }
        self.dataset = dataset; self.batchSize = batchSize; self.shuffle = shuffle; self.seed = seed
        self.normalization = normalization; self.augmentation = augmentation
    }

    /// Batches per epoch, the last one possibly partial.
    public var batchCount: Int { (dataset.count + batchSize - 1) / batchSize }

    /// The order of the dataset in `epoch`: 0, 1, 2… without shuffling.
    public func order(epoch: Int) -> [Int] {
        var indices = Array(0..<dataset.count)
        guard shuffle, indices.count > 1 else { return indices }
        var generator = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(truncatingIfNeeded: epoch))
        for i in stride(from: indices.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            indices.swapAt(i, j)
        }
        return indices
    }

    /// The batches of one epoch; each is made (converted, augmented) only when read.
    public func epoch(_ epoch: Int) -> EpochBatches {
        var generator = SeededGenerator(seed: seed &+ 0xA5A5 &* (UInt64(truncatingIfNeeded: epoch) &+ 1))
        let seeds: [UInt64] = (0..<batchCount).map { _ in generator.next() }
        return EpochBatches(loader: self, order: order(epoch: epoch), augmentSeeds: seeds)
    }

    /// The images at `indices` as one batch; `augmentSeed` drives the augmentation.
    /// - Precondition: every index is in `0..<dataset.count`.
    public func makeBatch(_ indices: [Int], augmentSeed: UInt64 = 0) -> Batch {
        let d = dataset
        precondition(indices.allSatisfy { $0 >= 0 && $0 < d.count }, "Loader: batch index out of range 0..<\(d.count)")
        let table = lookupTable()
        let augment = augmentation == .flipAndShift
        let size = d.imageSize
        var generator = SeededGenerator(seed: augmentSeed)
        // Drawn in order first, so the images can then be converted in parallel.
        let placements: [Placement] = augment ? indices.map { _ in Self.randomPlacement(&generator) } : []
        let affine = (0..<d.channels).map(channelAffine)
        var floats = [Float](unsafeUninitializedCapacity: indices.count * size) { _, count in count = indices.count * size }
        d.images.withUnsafeBufferPointer { (pixels: UnsafeBufferPointer<UInt8>) -> Void in
            table.withUnsafeBufferPointer { (values: UnsafeBufferPointer<Float>) -> Void in
                floats.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<Float>) -> Void in
                    guard let source = pixels.baseAddress, let lookup = values.baseAddress, let target = out.baseAddress else {
                        return
                    }
                    // Whole images per worker; a small batch is not worth a hand-off.
                    let workers = indices.count * size < 16_384 ? 1 : Parallel.workers(for: indices.count)
                    Parallel.forChunks(indices.count, workers: workers) { _, slots in
                        for slot in slots {
                            Self.convert(source + indices[slot] * size, into: target + slot * size, channels: d.channels,
                                         height: d.height, width: d.width,
                                         placement: augment ? placements[slot] : Placement(), table: lookup, affine: affine)
                        }
                    }
                }
            }
        }
        return Batch(images: Tensor(shape: [indices.count, d.channels, d.height, d.width], data: floats),
                     labels: indices.map { Int(d.labels[$0]) }, indices: indices)
    }

    /// A channel's normalization: x/255, then (x − mean)/std when standardizing.
    struct Affine {
        var mean: Float = 0, std: Float = 1, standardize = false
    }

    func channelAffine(_ ch: Int) -> Affine {
        guard case let .standardize(means, stds) = normalization else { return Affine() }
        return Affine(mean: means[means.count == 1 ? 0 : ch], std: stds[stds.count == 1 ? 0 : ch], standardize: true)
    }

    /// Each channel's 256 possible values, computed as PyTorch does (x/255,
    /// then (x − mean)/std); augmented images are converted by look-ups.
    func lookupTable() -> [Float] {
        let c = dataset.channels
        var table = [Float](repeating: 0, count: c * 256)
        for ch in 0..<c {
            let a = channelAffine(ch)
            for v in 0..<256 {
                let x = Float(v) / 255
                table[ch * 256 + v] = a.standardize ? (x - a.mean) / a.std : x
            }
        }
        return table
    }

    /// One plane without augmentation: the same operations as the table, on eight pixels at a time.
    @inline(__always)
    static func convertPlane(_ from: UnsafePointer<UInt8>, _ to: UnsafeMutablePointer<Float>, count: Int, affine a: Affine) {
        typealias V = SIMD8<Float>
        let raw = UnsafeMutableRawPointer(to), bytes = UnsafeRawPointer(from)
        var i = 0
        while i + 8 <= count {
            var x = V(bytes.loadUnaligned(fromByteOffset: i, as: SIMD8<UInt8>.self)) / 255
            if a.standardize { x = (x - a.mean) / a.std }
            raw.storeBytes(of: x, toByteOffset: i * 4, as: V.self)
            i += 8
        }
        while i < count {
            let x = Float(from[i]) / 255
            to[i] = a.standardize ? (x - a.mean) / a.std : x
            i += 1
        }
    }

    /// Where an augmented image lands: mirrored or not, then moved by (dx, dy).
    struct Placement: Hashable {
        var flip = false, dx = 0, dy = 0
    }

    /// The flip (p = 0.5) and shifts (−2…2 each, uniform) for one image.
    static func randomPlacement(_ generator: inout SeededGenerator) -> Placement {
        let flip = generator.next() & 1 == 1
        let dx = Int(generator.next() % 5) - 2
        let dy = Int(generator.next() % 5) - 2
        return Placement(flip: flip, dx: dx, dy: dy)
    }

    /// One image, channel by channel, through the table (and the placement).
    static func convert(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<Float>, channels: Int, height: Int,
                        width: Int, placement: Placement, table: UnsafePointer<Float>, affine: [Affine]) {
        let plane = height * width
        let moved = placement != Placement()
        for ch in 0..<channels {
            let from = src + ch * plane, to = dst + ch * plane, values = table + ch * 256
            if moved {
                transform(from, to, height: height, width: width, flip: placement.flip, dx: placement.dx, dy: placement.dy,
                          table: values)
            } else {
                convertPlane(from, to, count: plane, affine: affine[ch])
            }
        }
    }

    /// One plane, mirrored when `flip`, then moved `dx` pixels right and `dy` down:
    /// out[y][x] = in[y − dy][x − dx], or in[y − dy][w − 1 − (x − dx)] when mirrored.
    /// Pixels from outside the image are zero bytes; `table` maps bytes to floats.
    static func transform(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
                          flip: Bool, dx: Int, dy: Int, table: UnsafePointer<Float>) {
        let zero = table[0]
        // Output columns whose source column is inside the image.
        let low = max(0, dx), high = min(w, w + dx)
        for y in 0..<h {
            let row = dst + y * w
            let sy = y - dy
            guard sy >= 0 && sy < h && low < high else {
                for x in 0..<w { row[x] = zero }
                continue
            }
            let line = src + sy * w
            for x in 0..<low { row[x] = zero }
            if flip {
                for x in low..<high { row[x] = table[Int(line[w - 1 - x + dx])] }
            } else {
                for x in low..<high { row[x] = table[Int(line[x - dx])] }
            }
            for x in high..<w { row[x] = zero }
        }
    }
}

/// The batches of one epoch, made on demand (a batch is converted when read).
public struct EpochBatches: RandomAccessCollection, Sendable {
    public let loader: Loader
    /// The dataset order of this epoch.
    public let order: [Int]
    let augmentSeeds: [UInt64]

    public var startIndex: Int { 0 }
    public var endIndex: Int { augmentSeeds.count }

    public subscript(position: Int) -> Batch {
        let size = loader.batchSize
        let indices = Array(order[(position * size)..<Swift.min(order.count, (position + 1) * size)])
        return loader.makeBatch(indices, augmentSeed: augmentSeeds[position])
    }

    public func makeIterator() -> BatchIterator { BatchIterator(batches: self) }
}

/// Walks an epoch's batches, making each as it is reached.
public struct BatchIterator: IteratorProtocol, Sendable {
    let batches: EpochBatches
    var position = 0

    public mutating func next() -> Batch? {
        guard position < batches.endIndex else { return nil }
        defer { position += 1 }
        return batches[position]
    }
}
