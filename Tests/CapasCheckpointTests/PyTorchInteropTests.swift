import CapasCheckpoint
import CapasCore
import Foundation
import XCTest

/// Files capas writes must load in PyTorch. Runs only where a Python with
/// torch and safetensors is available: $CAPAS_TORCH_PYTHON, or /work/venv/bin/python.
final class PyTorchInteropTests: XCTestCase {
    static let script = #"""
    import json, sys
    import torch
    from torch import nn
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = sys.argv[1]
    tensors = load_file(path)
    with safe_open(path, "pt") as f:
        metadata = f.metadata()
        keys = list(f.keys())
    report = {"keys": keys, "metadata": metadata, "tensors": {}}
    for name, t in tensors.items():
        entry = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
                 "sum": float(t.double().nan_to_num(0, 0, 0).sum())}
        if t.dtype == torch.float32:
            entry["bits"] = [b & 0xFFFFFFFF for b in t.reshape(-1).view(torch.int32).tolist()]
        report["tensors"][name] = entry
    if len(sys.argv) > 2:
        # The small CNN of Fixtures/make_fixtures.py: load strictly and run the recorded input.
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3),
                              nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
        model.load_state_dict(tensors, strict=True)
        model.eval()
        io = load_file(sys.argv[2])
        with torch.no_grad():
            out = model(io["input"])
        report["max_abs_diff"] = float((out - io["output"]).abs().max())
        report["num_batches_tracked"] = int(model[4].num_batches_tracked)
    print(json.dumps(report))
    """#

    func python() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        for candidate in [environment["CAPAS_TORCH_PYTHON"], "/work/venv/bin/python"].compactMap({ $0 })
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw XCTSkip("no Python with torch: set CAPAS_TORCH_PYTHON")
    }

    /// Runs the script on `arguments` and returns its JSON report.
    func torchReport(_ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try python())
        process.arguments = ["-c", Self.script] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            XCTFail("python failed (\(process.terminationStatus)):\n\(errorText)")
            return [:]
        }
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], errorText)
    }

    func testPyTorchLoadsWhatCapasWrites() throws {
        let checkpoint = sampleCheckpoint()
        let url = try temporaryDirectory(self).appendingPathComponent("capas.safetensors")
        try Safetensors.write(checkpoint, to: url)
        let report = try torchReport([url.path])
        XCTAssertEqual(report["keys"] as? [String], checkpoint.orderedNames.sorted(), "safe_open lists keys sorted")
        XCTAssertEqual(report["metadata"] as? [String: String], checkpoint.metadata)
        let tensors = try XCTUnwrap(report["tensors"] as? [String: [String: Any]])
        XCTAssertEqual(Set(tensors.keys), Set(checkpoint.tensors.keys))
        for (name, tensor) in checkpoint.tensors {
            let torch = try XCTUnwrap(tensors[name], name)
            XCTAssertEqual(torch["shape"] as? [Int], tensor.shape, name)
            XCTAssertEqual(torch["dtype"] as? String, "float32", name)
            XCTAssertEqual((torch["bits"] as? [NSNumber])?.map(\.uint32Value), tensor.data.map(\.bitPattern), name)
            let finiteSum = tensor.data.reduce(0.0) { $0 + ($1.isFinite ? Double($1) : 0) }
            if tensor.data.allSatisfy(\.isFinite) {
                XCTAssertEqual(try XCTUnwrap(torch["sum"] as? Double), finiteSum, accuracy: 1e-9, name)
            }
        }
    }

    /// PyTorch → capas → PyTorch: the fixture's state dict, rewritten by capas
    /// (all F32, num_batches_tracked included), loads strictly into the same
    /// PyTorch model and gives the recorded outputs.
    func testStateDictRoundTripThroughCapas() throws {
        _ = try python()
        let state = try Fixtures.read("torch_small_cnn.safetensors")
        let rewritten = Checkpoint(tensors: state.tensors, order: state.order,
                                   metadata: ["capas_model": TorchFixtureTests.capasModel])
        let url = try temporaryDirectory(self).appendingPathComponent("rewritten.safetensors")
        try Safetensors.write(rewritten, to: url)
        let report = try torchReport([url.path, try Fixtures.url("torch_small_cnn_io.safetensors").path])
        XCTAssertEqual(try XCTUnwrap(report["max_abs_diff"] as? Double), 0, accuracy: 1e-6)
        XCTAssertEqual(report["num_batches_tracked"] as? Int, 5)
        let tensors = try XCTUnwrap(report["tensors"] as? [String: [String: Any]])
        XCTAssertEqual(tensors["0.weight"]?["shape"] as? [Int], [4, 1, 3, 3])
        XCTAssertEqual(tensors["4.num_batches_tracked"]?["shape"] as? [Int], [])
    }
}
