import CapasCore
import XCTest

/// Exact outputs of the layers added for the architecture presets. Expected
/// values from PyTorch 2 (torch.nn.functional), e.g.
///   x = torch.arange(25.).reshape(1, 1, 5, 5); F.avg_pool2d(x, 2, 2, ceil_mode=True)
final class LayerValueTests: XCTestCase {
    let grid = Tensor(shape: [1, 1, 5, 5], data: (0..<25).map(Float.init))

    func pool(_ kind: PoolingConfig.Kind, _ kernel: Int, stride: Int, pad: Int = 0) -> Tensor {
        let config = PoolingConfig(kind: kind, kernel: Size2D(square: kernel), stride: Size2D(square: stride),
                                   padding: Size2D(square: pad), ceilMode: true)
        return Pool2D(config).forward(grid, mode: .evaluation)
    }

    /// ceil_mode=True: the last window hangs over the edge and averages only what it covers.
    func testCeilModePoolingMatchesPyTorch() {
        XCTAssertEqual(pool(.average, 2, stride: 2).data, [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24])
        assertClose(pool(.average, 3, stride: 2, pad: 1),
                    Tensor(shape: [1, 1, 3, 3], data: [4 / 3, 3, 8 / 3, 7, 12, 9, 8, 13, 28 / 3]), "avgpool 3 stride 2 pad 1 ceil")
        // (5 + 2 − 2)/2 rounds up to 3, so 4 outputs, but the 4th would start in the padding: 3.
        XCTAssertEqual(pool(.max, 2, stride: 2, pad: 1).data, [0, 2, 4, 10, 12, 14, 20, 22, 24])
        XCTAssertEqual(pool(.average, 2, stride: 2, pad: 1).data, [0, 0.75, 1.75, 3.75, 9, 11, 8.75, 19, 21])
        // GoogLeNet's first pooling: 112 → 56 (floor would give 55).
        let config = PoolingConfig(kind: .max, kernel: Size2D(square: 3), stride: Size2D(square: 2), ceilMode: true)
        XCTAssertEqual(try config.outputShape(for: .image(height: 112, width: 112, channels: 64)).description, "56x56x64")
    }

    func testRelu6GlobalMaxPoolAndEmbedding() {
        let x = Tensor(shape: [1, 5], data: [-1, 0, 3, 6, 7.5])
        XCTAssertEqual(Activation(.relu6).forward(x, mode: .evaluation).data, [0, 0, 3, 6, 6])

        let sequence = Tensor(shape: [1, 2, 4], data: [1, 5, 2, 5, -3, -1, -2, -4])
        XCTAssertEqual(GlobalMaxPool().forward(sequence, mode: .evaluation), Tensor(shape: [1, 2], data: [5, -1]))

        var generator = SeededGenerator(seed: 1)
        let embedding = Embedding(EmbeddingConfig(vocabulary: 3, dimension: 2), generator: &generator)
        embedding.weight.value = Tensor(shape: [3, 2], data: [10, 11, 20, 21, 30, 31])
        // Channels first: [N, D, L]. Ids outside 0..<3 (or fractional) read as zeros.
        let ids = Tensor(shape: [1, 5], data: [2, 0, 7, 1.5, 1])
        XCTAssertEqual(embedding.forward(ids, mode: .evaluation).data, [30, 10, 0, 0, 20, 31, 11, 0, 0, 21])
        XCTAssertEqual(Embedding.invalidIDs(in: ids, vocabulary: 3), [2, 3])
    }
}
