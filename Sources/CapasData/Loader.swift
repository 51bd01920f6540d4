import CapasCore

/// How bytes become floats.
public enum Normalization: Sendable {
    /// x/255, in [0, 1] (PyTorch's ToTensor).
    case unit
    /// (x/255 − mean[c])/std[c] per channel.
    case standardize(mean: [Float], std: [Float])
}

/// Random changes to training images.
public enum Augmentation: Sendable {
    case none
    /// The ConvNetJS CIFAR-10 demo's: a horizontal flip half of the time and a
    /// shift of up to 2 pixels in x and y (pixels shifted in are zero).
    case flipAndShift
}

/// One mini-batch: images [B, C, H, W], labels, and the dataset indices they came from.
public struct Batch {
    public let images: Tensor
    public let labels: [Int]
    public let indices: [Int]
}

/// Mini-batches over a dataset, reshuffled every epoch from the seed (the
/// same seed and epoch always give the same batches). The last batch may be
/// smaller, as with PyTorch's drop_last=False.
public struct Loader: Sendable {
    public let dataset: Dataset
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let normalization: Normalization
    public let augmentation: Augmentation

    public init(dataset: Dataset, batchSize: Int, shuffle: Bool, seed: UInt64, normalization: Normalization = .unit,
                augmentation: Augmentation = .none) {
        precondition(batchSize >= 1)
        self.dataset = dataset; self.batchSize = batchSize; self.shuffle = shuffle; self.seed = seed
        self.normalization = normalization; self.augmentation = augmentation
    }

    public var batchCount: Int { (dataset.count + batchSize - 1) / batchSize }

    /// The order of the dataset in `epoch` (Fisher–Yates from seed and epoch).
    public func order(epoch: Int) -> [Int] {
        var indices = Array(0..<dataset.count)
        guard shuffle else { return indices }
        var generator = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(truncatingIfNeeded: epoch))
        if indices.count > 1 {
            for i in stride(from: indices.count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                indices.swapAt(i, j)
            }
        }
        return indices
    }

    /// The batches of one epoch, made lazily.
    public func epoch(_ epoch: Int) -> LazyMapSequence<Range<Int>, Batch> {
        let order = self.order(epoch: epoch)
        let count = batchCount
        var augmentGenerator = SeededGenerator(seed: seed &+ 0xA5A5 &* UInt64(truncatingIfNeeded: epoch + 1))
        let augmentSeeds = (0..<count).map { _ in augmentGenerator.next() }
        return (0..<count).lazy.map { b in
            let indices = Array(order[(b * batchSize)..<min(order.count, (b + 1) * batchSize)])
            return makeBatch(indices, augmentSeed: augmentSeeds[b])
        }
    }

    public func makeBatch(_ indices: [Int], augmentSeed: UInt64 = 0) -> Batch {
        let d = dataset
        let c = d.channels, h = d.height, w = d.width, size = d.imageSize
        var images = Tensor(zeros: [indices.count, c, h, w])
        var scale = [Float](repeating: 1 / 255, count: c), offset = [Float](repeating: 0, count: c)
        if case let .standardize(mean, std) = normalization {
            for ch in 0..<c {
                scale[ch] = 1 / (255 * std[ch % std.count])
                offset[ch] = -mean[ch % mean.count] / std[ch % std.count]
            }
        }
        var generator = SeededGenerator(seed: augmentSeed)
        images.data.withUnsafeMutableBufferPointer { out in
            d.images.withUnsafeBufferPointer { pixels in
                for (slot, index) in indices.enumerated() {
                    let src = pixels.baseAddress! + index * size
                    let dst = out.baseAddress! + slot * size
                    var flip = false, dx = 0, dy = 0
                    if case .flipAndShift = augmentation {
                        flip = generator.next() & 1 == 1
                        dx = Int(generator.next() % 5) - 2
                        dy = Int(generator.next() % 5) - 2
                    }
                    for ch in 0..<c {
                        let s = scale[ch], o = offset[ch]
                        let plane = src + ch * h * w, target = dst + ch * h * w
                        if !flip && dx == 0 && dy == 0 {
                            for i in 0..<(h * w) { target[i] = Float(plane[i]) * s + o }
                            continue
                        }
                        // out[y, x] = in[y − dy, x' − dx] where x' is x mirrored when flipping; zero outside.
                        for y in 0..<h {
                            let sy = y - dy
                            for x in 0..<w {
                                let sx = (flip ? w - 1 - x : x) - dx
                                target[y * w + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w)
                                    ? Float(plane[sy * w + sx]) * s + o : o
                            }
                        }
                    }
                }
            }
        }
        return Batch(images: images, labels: indices.map { Int(d.labels[$0]) }, indices: indices)
    }
}
