import CapasCore
@testable import CapasData
import XCTest

final class LoaderTests: XCTestCase {
    /// `n` images of 1×2×2 whose first pixel is the image's index.
    func numbered(_ n: Int) -> Dataset {
        Dataset(name: "t", images: (0..<n).flatMap { [UInt8($0), 100, 150, 255] }, labels: (0..<n).map { UInt8($0 % 10) },
                channels: 1, height: 2, width: 2, classNames: (0..<10).map(String.init))
    }

    func testShapesAndLastPartialBatch() {
        let loader = Loader(dataset: numbered(10), batchSize: 4, shuffle: false, seed: 0)
        let batches = Array(loader.epoch(0))
        XCTAssertEqual(loader.batchCount, 3)
        XCTAssertEqual(batches.map(\.images.shape), [[4, 1, 2, 2], [4, 1, 2, 2], [2, 1, 2, 2]])
        XCTAssertEqual(batches.flatMap(\.indices), Array(0..<10))
        XCTAssertEqual(batches[2].labels, [8, 9])
        XCTAssertEqual(batches[1].images.data[0..<4], [4 / 255, 100 / 255, 150 / 255, 1])
        XCTAssertEqual(Array(Loader(dataset: numbered(8), batchSize: 4, shuffle: false, seed: 0).epoch(0)).count, 2)
        XCTAssertEqual(Array(Loader(dataset: numbered(3), batchSize: 64, shuffle: true, seed: 0).epoch(0)).map(\.labels.count), [3])
    }

    func testShufflingBySeed() {
        let data = numbered(50)
        let loader = Loader(dataset: data, batchSize: 8, shuffle: true, seed: 3)
        let first = loader.epoch(1).flatMap(\.indices)
        XCTAssertEqual(first.sorted(), Array(0..<50), "every index exactly once")
        XCTAssertNotEqual(first, Array(0..<50))
        XCTAssertEqual(first, Loader(dataset: data, batchSize: 8, shuffle: true, seed: 3).epoch(1).flatMap(\.indices))
        XCTAssertNotEqual(first, Loader(dataset: data, batchSize: 8, shuffle: true, seed: 4).epoch(1).flatMap(\.indices))
        XCTAssertNotEqual(first, loader.epoch(2).flatMap(\.indices), "a new order each epoch")
        XCTAssertEqual(loader.epoch(2).flatMap(\.indices).sorted(), Array(0..<50))
        // Images and labels follow their indices.
        for batch in loader.epoch(1) {
            for (slot, index) in batch.indices.enumerated() {
                XCTAssertEqual(batch.images.data[slot * 4], Float(index) / 255)
                XCTAssertEqual(batch.labels[slot], index % 10)
            }
        }
    }

    func testNormalization() {
        let data = Dataset(name: "rgb", images: [0, 255, 51, 102, 204, 153], labels: [0], channels: 3, height: 1, width: 2,
                           classNames: ["a"])
        let unit = Loader(dataset: data, batchSize: 1, shuffle: false, seed: 0).makeBatch([0]).images.data
        XCTAssertEqual(unit, [0, 1, 0.2, 0.4, 0.8, 0.6].map { Float($0) })
        let mean: [Float] = [0.5, 0.25, 0.75], std: [Float] = [0.5, 0.25, 0.125]
        let standardized = Loader(dataset: data, batchSize: 1, shuffle: false, seed: 0,
                                  normalization: .standardize(mean: mean, std: std)).makeBatch([0]).images.data
        let expected = unit.enumerated().map { (i, x) in (x - mean[i / 2]) / std[i / 2] }
        for (got, want) in zip(standardized, expected) { XCTAssertEqual(got, want, accuracy: 1e-5) }
        let single = Loader(dataset: data, batchSize: 1, shuffle: false, seed: 0,
                            normalization: .standardize(mean: [0.5], std: [0.5])).makeBatch([0]).images.data
        for (got, want) in zip(single, [-1, 1, -0.6, -0.2, 0.6, 0.2] as [Float]) { XCTAssertEqual(got, want, accuracy: 1e-6) }
    }

    /// Batches converted eight pixels at a time and split over workers equal
    /// the table look-ups bit for bit, for every byte value and both normalizations.
    func testVectorConversionMatchesTheTable() {
        var gen = SeededGenerator(seed: 5)
        let (c, h, w, n) = (3, 7, 9, 100)   // big enough to be split
        let data = Dataset(name: "rgb", images: (0..<(n * c * h * w)).map { i in UInt8(i < 256 ? i : Int(gen.next() % 256)) },
                           labels: [UInt8](repeating: 0, count: n), channels: c, height: h, width: w, classNames: ["a"])
        for normalization in [Normalization.unit, .standardize(mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26])] {
            let loader = Loader(dataset: data, batchSize: n, shuffle: false, seed: 0, normalization: normalization)
            let table = loader.lookupTable()
            let expected = (0..<n).flatMap { image in
                (0..<(c * h * w)).map { i in table[(i / (h * w)) * 256 + Int(data.images[image * c * h * w + i])] }
            }
            for threads in [1, 2] {
                let saved = Parallel.threads
                Parallel.threads = threads
                defer { Parallel.threads = saved }
                XCTAssertEqual(loader.makeBatch(Array(0..<n)).images.data, expected, "\(normalization), \(threads) threads")
            }
        }
    }

    /// A 3×4 plane whose pixel at (y, x) is 10·(y + 1) + x + 1.
    let plane: [UInt8] = [11, 12, 13, 14,
                          21, 22, 23, 24,
                          31, 32, 33, 34]

    func transformed(flip: Bool, dx: Int, dy: Int) -> [Int] {
        var out = [Float](repeating: -1, count: 12)
        let identity = (0..<256).map { Float($0) }
        plane.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                identity.withUnsafeBufferPointer { table in
                    Loader.transform(src.baseAddress!, dst.baseAddress!, height: 3, width: 4, flip: flip, dx: dx, dy: dy,
                                     table: table.baseAddress!)
                }
            }
        }
        return out.map { Int($0) }
    }

    func testFlipAndShiftOnKnownPixels() {
        XCTAssertEqual(transformed(flip: false, dx: 0, dy: 0), plane.map(Int.init))
        XCTAssertEqual(transformed(flip: true, dx: 0, dy: 0), [14, 13, 12, 11, 24, 23, 22, 21, 34, 33, 32, 31])
        // Right by 1 and down by 2: zeros come in on the left and at the top.
        XCTAssertEqual(transformed(flip: false, dx: 1, dy: 2), [0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 12, 13])
        // Left by 2 and up by 1.
        XCTAssertEqual(transformed(flip: false, dx: -2, dy: -1), [23, 24, 0, 0, 33, 34, 0, 0, 0, 0, 0, 0])
        // Mirrored, then right by 2.
        XCTAssertEqual(transformed(flip: true, dx: 2, dy: 0), [0, 0, 14, 13, 0, 0, 24, 23, 0, 0, 34, 33])
        // Mirrored, then left by 1 and down by 1.
        XCTAssertEqual(transformed(flip: true, dx: -1, dy: 1), [0, 0, 0, 0, 13, 12, 11, 0, 23, 22, 21, 0])
    }

    func testAugmentedBatchesFollowTheSeed() {
        // Image 1's first channel is the plane, its second the plane + 100.
        let data = Dataset(name: "t", images: [UInt8](repeating: 0, count: 24) + plane + plane.map { $0 + 100 }, labels: [0, 1],
                           channels: 2, height: 3, width: 4,
                           classNames: ["a", "b"])
        let loader = Loader(dataset: data, batchSize: 1, shuffle: false, seed: 9, augmentation: .flipAndShift)
        var placements = Set<String>()
        for seed in 0..<200 as Range<UInt64> {
            let image = loader.makeBatch([1], augmentSeed: seed).images.data.map { Int(($0 * 255).rounded()) }
            var generator = SeededGenerator(seed: seed)
            let p = Loader.randomPlacement(&generator)
            XCTAssertTrue((-2...2).contains(p.dx) && (-2...2).contains(p.dy))
            placements.insert("\(p)")
            // Both channels move together; pixels shifted in are zero before normalization.
            let expected = transformed(flip: p.flip, dx: p.dx, dy: p.dy)
            XCTAssertEqual(Array(image[0..<12]), expected)
            XCTAssertEqual(Array(image[12..<24]), expected.map { $0 == 0 ? 0 : $0 + 100 })
        }
        XCTAssertEqual(placements.count, 50, "every flip and shift occurs")
        // The same seed gives the same augmented epoch; the next epoch differs.
        let a = loader.epoch(3).map(\.images), b = Loader(dataset: data, batchSize: 1, shuffle: false, seed: 9,
                                                          augmentation: .flipAndShift).epoch(3).map(\.images)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(Array(loader.epoch(3).map(\.images)) + Array(loader.epoch(5).map(\.images)),
                          Array(loader.epoch(3).map(\.images)) + Array(loader.epoch(3).map(\.images)))
    }

    func testStandardizedShiftFillsWithTheValueOfAZeroPixel() {
        let data = Dataset(name: "t", images: plane, labels: [0], channels: 1, height: 3, width: 4, classNames: ["a"])
        let loader = Loader(dataset: data, batchSize: 1, shuffle: false, seed: 0,
                            normalization: .standardize(mean: [0.5], std: [0.25]), augmentation: .flipAndShift)
        for seed in 0..<20 as Range<UInt64> {
            var generator = SeededGenerator(seed: seed)
            let p = Loader.randomPlacement(&generator)
            let expected = transformed(flip: p.flip, dx: p.dx, dy: p.dy).map { (Float($0) / 255 - 0.5) / 0.25 }
            for (got, want) in zip(loader.makeBatch([0], augmentSeed: seed).images.data, expected) {
                XCTAssertEqual(got, want, accuracy: 1e-5)
            }
        }
    }
}
