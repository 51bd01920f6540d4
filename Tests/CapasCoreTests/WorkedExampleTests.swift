import CapasCore
import Foundation
import XCTest

/// The course's worked examples, number for number. Every expected value here
/// was recomputed with PyTorch (F.conv2d, F.max_pool2d, softmax) before being
/// written down; all the slides' numbers agree with a correct cross-correlation.
final class WorkedExampleTests: XCTestCase {

    /// A single-channel, bias-free convolution with the given kernel.
    func convolve(_ image: [[Float]], kernel: [[Float]], padding: Int = 0, stride: Int = 1) -> Tensor {
        let config = ConvolutionConfig(inChannels: 1, outChannels: 1, kernel: Size2D(kernel.count, kernel[0].count),
                                       stride: Size2D(stride, stride), padding: Padding2D(padding, padding), bias: false)
        var gen = SeededGenerator(seed: 0)
        let conv = Conv2D(config, generator: &gen)
        XCTAssertNil(conv.bias)
        conv.weight.value = Tensor(shape: [1, 1, kernel.count, kernel[0].count], data: kernel.flatMap { $0 })
        let x = Tensor(shape: [1, 1, image.count, image[0].count], data: image.flatMap { $0 })
        let y = conv.forward(x, mode: .training)
        // The fast path and the seven-loop definition agree exactly on small integers.
        XCTAssertEqual(y, conv.referenceForward(x))
        return y
    }

    func rows(_ t: Tensor) -> [[Float]] {
        let h = t.shape[t.rank - 2], w = t.shape[t.rank - 1]
        return (0..<h).map { i in Array(t.data[(i * w)..<((i + 1) * w)]) }
    }

    func testConvolutionOfTheBinaryImage() {
        let image: [[Float]] = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
        let kernel: [[Float]] = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
        let y = convolve(image, kernel: kernel)
        XCTAssertEqual(y.shape, [1, 1, 3, 3])
        XCTAssertEqual(rows(y), [[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    }

    func testEdgeDetectorWithZeroPadding() {
        // Verified with torch.nn.functional.conv2d(x, k, padding=1): the slide is right.
        let image: [[Float]] = [[1, 1, 0, 0, 1], [1, 0, 0, 1, 1], [0, 0, 1, 1, 1], [1, 0, 0, 1, 1], [1, 1, 0, 0, 1]]
        let kernel: [[Float]] = [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
        let y = convolve(image, kernel: kernel, padding: 1)
        XCTAssertEqual(y.shape, [1, 1, 5, 5])
        XCTAssertEqual(rows(y), [[6, 6, -2, -3, 6],
                                 [6, -4, -4, 3, 4],
                                 [-2, -3, 5, 2, 3],
                                 [6, -4, -4, 3, 4],
                                 [6, 6, -2, -3, 6]])
    }

    func testSharpenKernelOnTheImageCorner() {
        let corner: [[Float]] = [[105, 102, 100, 97, 96], [103, 99, 103, 101, 102], [101, 98, 104, 102, 100],
                                 [99, 101, 106, 104, 99], [104, 104, 104, 100, 98]]
        let kernel: [[Float]] = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
        let y = convolve(corner, kernel: kernel, padding: 1)
        XCTAssertEqual(y.shape, [1, 1, 5, 5])
        // 5·105 − 102 − 103 (the padded neighbours are 0) = 320.
        XCTAssertEqual(y[0, 0, 0, 0], 320)
        XCTAssertEqual(y[0, 0, 1, 1], 89)   // 5·99 − 102 − 103 − 103 − 98
    }

    func testMaxPooling2x2() {
        let x = Tensor(shape: [1, 1, 4, 4], data: [1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4])
        let pool = Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2), stride: Size2D(2, 2)))
        let y = pool.forward(x, mode: .training)
        XCTAssertEqual(y, Tensor(shape: [1, 1, 2, 2], data: [6, 8, 3, 4]))
        // The gradient goes to the winners only.
        let dx = pool.backward(Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4]))
        XCTAssertEqual(dx.data, [0, 0, 0, 0, 0, 1, 0, 2, 3, 0, 0, 0, 0, 0, 0, 4])
    }

    func testSoftmaxAndCrossEntropyOfTheSlide() {
        let logits = Tensor(shape: [1, 3], data: [3.2, 5.1, -1.7])
        let p = Softmax().forward(logits, mode: .evaluation)
        XCTAssertEqual(p.data.map { ($0 * 100).rounded() / 100 }, [0.13, 0.87, 0.00])
        XCTAssertEqual(p.sum(), 1, accuracy: 1e-6)
        // Cross-entropy with true class 0 is −ln p₀, the natural logarithm.
        let (loss, _) = Loss.crossEntropy(logits: logits, labels: [0])
        XCTAssertEqual(Double(loss), -log(Double(p.data[0])), accuracy: 1e-5)
        XCTAssertEqual(loss, 2.04, accuracy: 0.005)
        // The slide's 0.89 is −log₁₀ p₀ (0.886), not the loss PyTorch and capas compute.
        XCTAssertEqual(-log10(p.data[0]), 0.89, accuracy: 0.005)
        XCTAssertGreaterThan(abs(loss - 0.89), 1)
    }

    // MARK: - Shapes and parameter counts

    func testLeNetStyleShapesAndCounts() throws {
        let input = FeatureShape.image(height: 28, width: 28, channels: 1)
        let conv1 = ConvolutionConfig(inChannels: 1, outChannels: 10, kernel: Size2D(5, 5))
        let s1 = try conv1.outputShape(for: input)
        XCTAssertEqual(s1, .image(height: 24, width: 24, channels: 10))
        XCTAssertEqual(s1.description, "24x24x10")
        XCTAssertEqual(try conv1.parameterCount(), 260)
        let s2 = try PoolingConfig(kind: .max, kernel: Size2D(2, 2)).outputShape(for: s1)
        XCTAssertEqual(s2, .image(height: 12, width: 12, channels: 10))
        XCTAssertEqual(s2.description, "12x12x10")
        let conv2 = ConvolutionConfig(inChannels: 10, outChannels: 20, kernel: Size2D(5, 5))
        let s3 = try conv2.outputShape(for: s2)
        XCTAssertEqual(s3, .image(height: 8, width: 8, channels: 20))
        XCTAssertEqual(s3.description, "8x8x20")
        XCTAssertEqual(try conv2.parameterCount(), 5020)

        // The layers themselves produce those shapes and hold those many numbers.
        var gen = SeededGenerator(seed: 3)
        let c1 = Conv2D(conv1, generator: &gen), c2 = Conv2D(conv2, generator: &gen)
        XCTAssertEqual(c1.parameters.map(\.value.count).reduce(0, +), 260)
        XCTAssertEqual(c2.parameters.map(\.value.count).reduce(0, +), 5020)
        let x = gen.normalTensor(input.batched(2))
        let y1 = c1.forward(x, mode: .evaluation)
        XCTAssertEqual(y1.shape, s1.batched(2))
        let y2 = Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2))).forward(y1, mode: .evaluation)
        XCTAssertEqual(y2.shape, s2.batched(2))
        XCTAssertEqual(c2.forward(y2, mode: .evaluation).shape, s3.batched(2))
    }

    func testColourImageFilterCount() throws {
        let config = ConvolutionConfig(inChannels: 3, outChannels: 16, kernel: Size2D(5, 5))
        XCTAssertEqual(try config.outputShape(for: .image(height: 32, width: 32, channels: 3)),
                       .image(height: 28, width: 28, channels: 16))
        XCTAssertEqual(try config.parameterCount(), 1216)   // (5·5·3 + 1)·16
    }

    func testPaddingKeepsTheSize() throws {
        let input = FeatureShape.image(height: 7, width: 7, channels: 1)
        let valid = ConvolutionConfig(inChannels: 1, outChannels: 1, kernel: Size2D(3, 3))
        XCTAssertEqual(try valid.outputShape(for: input), .image(height: 5, width: 5, channels: 1))
        let same = ConvolutionConfig(inChannels: 1, outChannels: 1, kernel: Size2D(3, 3), padding: Padding2D(1, 1))
        XCTAssertEqual(try same.outputShape(for: input), .image(height: 7, width: 7, channels: 1))
    }

    func testWideImageKeepsHeightAndWidthApart() throws {
        // 640 wide, 480 high: height and width must not be swapped anywhere.
        let input = FeatureShape.image(height: 480, width: 640, channels: 1)
        XCTAssertEqual(input.dims, [1, 480, 640])
        let conv = ConvolutionConfig(inChannels: 1, outChannels: 32, kernel: Size2D(3, 3), padding: Padding2D(1, 1))
        let s1 = try conv.outputShape(for: input)
        XCTAssertEqual(s1, .image(height: 480, width: 640, channels: 32))
        XCTAssertEqual(s1.height, 480)
        XCTAssertEqual(s1.width, 640)
        let s2 = try PoolingConfig(kind: .max, kernel: Size2D(2, 2)).outputShape(for: s1)
        XCTAssertEqual(s2, .image(height: 240, width: 320, channels: 32))
        XCTAssertEqual(s2.description, "240x320x32")
    }

    func testKernelLargerThanInputThrows() {
        let config = ConvolutionConfig(inChannels: 1, outChannels: 1, kernel: Size2D(5, 5))
        XCTAssertThrowsError(try config.outputShape(for: .image(height: 3, width: 3, channels: 1))) { error in
            guard case let ShapeError.kernelDoesNotFit(_, _, input, padBefore, padAfter, kernel, _, _)? = error as? ShapeError else {
                return XCTFail("expected ShapeError.kernelDoesNotFit, got \(error)")
            }
            XCTAssertEqual(input, 3)
            XCTAssertEqual(kernel, 5)
            XCTAssertEqual(padBefore + padAfter, 0)
        }
    }

    func testChannelCountMismatchNamesBothCounts() {
        // A layer made for RGB images given a greyscale one.
        let config = ConvolutionConfig(inChannels: 3, outChannels: 16, kernel: Size2D(5, 5))
        XCTAssertThrowsError(try config.outputShape(for: .image(height: 32, width: 32, channels: 1))) { error in
            XCTAssertEqual(error as? ShapeError, .channelsDiffer(layer: "conv", expected: 3, got: 1))
            let english = (error as? ShapeError)?.message(in: .en) ?? ""
            XCTAssertTrue(english.contains("3 input channels") && english.contains("gets 1"), english)
            let spanish = (error as? ShapeError)?.message(in: .es) ?? ""
            XCTAssertTrue(spanish.contains("3 canales de entrada") && spanish.contains("recibe 1"), spanish)
        }
    }
}
