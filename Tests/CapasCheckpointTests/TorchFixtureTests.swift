import CapasCheckpoint
import CapasCore
import CapasModel
import Foundation
import XCTest

/// Files written by PyTorch + safetensors (Fixtures/make_fixtures.py).
final class TorchFixtureTests: XCTestCase {
    static let stateNames = ["0.weight", "0.bias", "3.weight", "3.bias", "4.weight", "4.bias",
                             "4.running_mean", "4.running_var", "4.num_batches_tracked", "7.weight", "7.bias"]

    static let capasModel = """
        input 12x12x1
        conv 4 3x3 pad=1
        relu
        maxpool 2
        conv 8 3x3
        batchnorm
        relu
        flatten
        dense 10

        """

    /// The torch dtype names the script records, as safetensors names them.
    static let torchDTypes: [String: Safetensors.DType] = ["float32": .f32, "int64": .i64]

    func sum(_ tensor: Tensor) -> Double { tensor.data.reduce(0) { $0 + Double($1) } }

    func testStateDictDecodesAsPyTorchWroteIt() throws {
        let state = try Fixtures.read("torch_small_cnn.safetensors")
        let io = try Fixtures.read("torch_small_cnn_io.safetensors")
        XCTAssertEqual(Set(state.tensors.keys), Set(Self.stateNames))
        XCTAssertEqual(state.tensors["0.weight"]?.shape, [4, 1, 3, 3])
        XCTAssertEqual(state.tensors["3.weight"]?.shape, [8, 4, 3, 3])
        XCTAssertEqual(state.tensors["4.running_var"]?.shape, [8])
        XCTAssertEqual(state.tensors["7.weight"]?.shape, [10, 128])
        // BatchNorm's counter is an int64 scalar in PyTorch; capas reads it as a Float.
        XCTAssertEqual(state.storedTypes["4.num_batches_tracked"], .i64)
        XCTAssertEqual(state.tensors["4.num_batches_tracked"], Tensor(shape: [], data: [5]))
        XCTAssertEqual(state.storedTypes["0.weight"], .f32)
        // Running statistics moved away from their defaults (0 and 1) during training.
        XCTAssertNotEqual(state.tensors["4.running_mean"], Tensor(zeros: [8]))
        XCTAssertNotEqual(state.tensors["4.running_var"], Tensor(repeating: 1, shape: [8]))
        // The order is the file's byte order (safetensors puts int64 first, then names sorted).
        XCTAssertEqual(state.order.first, "4.num_batches_tracked")
        XCTAssertEqual(Set(state.order), Set(Self.stateNames))

        // Shapes, dtypes and sums against what the script recorded.
        for name in Self.stateNames {
            let tensor = try XCTUnwrap(state.tensors[name], name)
            try checkRecorded(name, tensor, storedType: state.storedTypes[name], in: io.metadata)
        }
        for key in ["torch_version", "safetensors_version"] {
            XCTAssertFalse(state.metadata[key, default: ""].isEmpty, key)
            XCTAssertEqual(state.metadata[key], io.metadata[key], key)
        }
    }

    func checkRecorded(_ name: String, _ tensor: Tensor, storedType: Safetensors.DType?,
                       in metadata: [String: String], file: StaticString = #filePath, line: UInt = #line) throws {
        let recordedShape = try XCTUnwrap(metadata["shape." + name], name, file: file, line: line)
        XCTAssertEqual(tensor.shape.map(String.init).joined(separator: ","), recordedShape, name, file: file, line: line)
        let recordedType = try XCTUnwrap(metadata["dtype." + name].flatMap { Self.torchDTypes[$0] }, name,
                                         file: file, line: line)
        XCTAssertEqual(storedType, recordedType, name, file: file, line: line)
        let recordedSum = try XCTUnwrap(metadata["sum." + name].flatMap(Double.init), name, file: file, line: line)
        let scale = max(1, tensor.data.reduce(0) { $0 + abs(Double($1)) })
        XCTAssertEqual(sum(tensor), recordedSum, accuracy: 1e-6 * scale, name, file: file, line: line)
    }

    func testInputOutputFixture() throws {
        let io = try Fixtures.read("torch_small_cnn_io.safetensors")
        XCTAssertEqual(io.order, ["input", "output"])
        XCTAssertEqual(io.tensors["input"]?.shape, [3, 1, 12, 12])
        XCTAssertEqual(io.tensors["output"]?.shape, [3, 10])
        XCTAssertEqual(io.metadata["capas_model"], Self.capasModel)
        for name in ["input", "output"] {
            try checkRecorded(name, try XCTUnwrap(io.tensors[name]), storedType: io.storedTypes[name], in: io.metadata)
        }
    }

    /// The whole point: PyTorch's weights in a capas network give PyTorch's outputs.
    func testCapasNetworkReproducesPyTorchOutput() throws {
        let state = try Fixtures.read("torch_small_cnn.safetensors")
        let io = try Fixtures.read("torch_small_cnn_io.safetensors")
        let text = try XCTUnwrap(io.metadata["capas_model"])
        let network = try ModelAnalysis(text: text).makeNetwork(seed: 0)
        XCTAssertEqual(Set(network.namedParameters.map(\.name)), Set(Self.stateNames))
        for (name, parameter) in network.namedParameters {
            parameter.value = try state.requireTensor(name, shape: parameter.value.shape)
        }
        let output = try network.forward(try XCTUnwrap(io.tensors["input"]), mode: .evaluation)
        let expected = try XCTUnwrap(io.tensors["output"])
        XCTAssertEqual(output.shape, expected.shape)
        for (got, want) in zip(output.data, expected.data) {
            XCTAssertEqual(got, want, accuracy: 1e-4 * max(1, abs(want)))
        }
    }

    /// A model with another shape gets a precise error.
    func testWrongModelIsReported() throws {
        let state = try Fixtures.read("torch_small_cnn.safetensors")
        let network = try ModelAnalysis(text: "input 12x12x1\nconv 6 3x3 pad=1").makeNetwork(seed: 0)
        let weight = try XCTUnwrap(network.namedParameters.first { $0.name == "0.weight" })
        XCTAssertThrowsError(try state.requireTensor("0.weight", shape: weight.parameter.value.shape)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasSuffix("torch_small_cnn.safetensors: tensor 0.weight has shape [4,1,3,3], the model needs [6,1,3,3]"),
                          text)
        }
    }

    /// Every dtype capas converts, against torch's own `.to(torch.float32)`.
    func testDTypeConversionsMatchTorch() throws {
        let file = try Fixtures.read("torch_dtypes.safetensors")
        var covered = Set<Safetensors.DType>()
        for name in file.order where !name.hasSuffix(".f32") {
            let tensor = try XCTUnwrap(file.tensors[name])
            let reference = try XCTUnwrap(file.tensors[name + ".f32"], name)
            let dtypeName = String(name.split(separator: ".")[0])
            let dtype = try XCTUnwrap(Safetensors.DType(rawValue: dtypeName), name)
            XCTAssertEqual(file.storedTypes[name], dtype, name)
            XCTAssertEqual(file.storedTypes[name + ".f32"], .f32, name)
            XCTAssertEqual(tensor.shape, reference.shape, name)
            for (i, (got, want)) in zip(tensor.data, reference.data).enumerated() {
                XCTAssertTrue(got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN),
                              "\(name)[\(i)]: capas \(got), torch \(want)")
            }
            covered.insert(dtype)
        }
        XCTAssertEqual(covered, Set(Safetensors.DType.allCases), "dtypes without a fixture")
        XCTAssertEqual(file.tensors["I64"]?.data[3], Float(Int64.max))
        XCTAssertEqual(file.tensors["F16"]?.data[6], 65504)
    }
}
