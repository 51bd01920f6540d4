import ArgumentParser
import CapasCore
import CapasData
import CapasMessages
import CapasModel
import CapasTraining
import Foundation

/// Throughput, memory and accuracy benchmarks of the reference models.
/// Speed is reported, never asserted: compare with PyTorch in the same run
/// with `bench/compare.py`.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Training and inference images/s and peak memory of the reference models (or --accuracy).")

    @Option(help: "Comma-separated models.")
    var models: String = "fnn-small,fnn-deep,cnn-lenet,cnn-medium,cnn-cifar"

    @Option(help: "Seconds of training to time per model, after one warm-up batch.")
    var seconds: Double = 8

    @Option(help: "Mini-batch size.")
    var batch: Int = 64

    @Flag(help: "Train 5 epochs with PyTorch's recipe on the real FashionMNIST and report test accuracy per seed.")
    var accuracy = false

    @Option(help: "Seeds for --accuracy.")
    var seeds: String = "0,1,2"

    @Option(help: "Epochs for --accuracy.")
    var epochs: Int = 5

    @Flag(help: "One JSON object per model on standard output.")
    var json = false

    @Flag(help: "Also print the time per batch spent in each layer, forward and backward.")
    var profile = false

    @Option(help: "Clock: wall (elapsed time) or cpu (the process's CPU time: with --threads 1, unaffected by other work on a shared machine).")
    var clock: BenchClock = .wall

    @OptionGroup var global: GlobalOptions

    func run() throws {
        if global.threads == nil { Parallel.threads = 2 }
        try global.apply()
        try guarded {
            let names = models.split(separator: ",").map(String.init)
            if accuracy { try runAccuracy(names) } else {
                for name in names {
                    let result = try throughput(name)
                    if json {
                        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
                        print(String(decoding: data, as: UTF8.self))
                    } else {
                        print(String(format: "%-11@ train %8.0f img/s   inference %9.0f img/s   peak RSS %6.0f MiB   (%@)",
                                     name, result["train_img_s"] as! Double, result["infer_img_s"] as! Double,
                                     result["peak_rss_mib"] as! Double, result["data"] as! String))
                    }
                    fflush(stdout)
                }
            }
        }
    }

    /// Real FashionMNIST for 28×28×1 models when installed, else random images (as PyTorch's anchor does for CIFAR).
    func data(for analysis: ModelAnalysis) -> (Dataset, Dataset, String) {
        if analysis.input == .image(height: 28, width: 28, channels: 1), let sets = try? DataSets.load("fashion-mnist") {
            return (sets.train, sets.test, "FashionMNIST")
        }
        let c = analysis.input.channels, h = analysis.input.height, w = analysis.input.width
        var generator = SeededGenerator(seed: 0)
        func synthetic(_ n: Int) -> Dataset {
            Dataset(name: "synthetic", images: (0..<(n * c * h * w)).map { _ in UInt8(truncatingIfNeeded: generator.next()) },
                    labels: (0..<n).map { _ in UInt8(generator.next() % 10) }, channels: c, height: h, width: w,
                    classNames: (0..<10).map(String.init))
        }
        return (synthetic(5000), synthetic(5000), "synthetic")
    }

    func throughput(_ name: String) throws -> [String: Any] {
        let analysis = try ModelSource(name).analyze()
        let (train, test, source) = data(for: analysis)
        var options = TrainingOptions()
        options.batchSize = batch
        let trainer = try Trainer(analysis: analysis, options: options)
        let loader = Loader(dataset: train, batchSize: batch, shuffle: true, seed: 0)
        var images = 0
        var batches = 0
        var start = clock.now()
        var warmedUp = false
        var epoch = 0
        outer: while true {
            epoch += 1
            for b in loader.epoch(epoch) {
                _ = try trainer.step(LabeledBatch(images: b.images, labels: b.labels))
                if !warmedUp {
                    warmedUp = true; start = clock.now()
                    if profile { trainer.network.profile = Network.Profile(nodes: trainer.network.nodes.count, clock: clock) }
                    continue
                }
                images += b.labels.count
                batches += 1
                if clock.now() - start >= seconds { break outer }
            }
        }
        let trainRate = Double(images) / (clock.now() - start)
        if let layerTimes = trainer.network.profile {
            trainer.network.profile = nil
            printProfile(layerTimes, network: trainer.network, batches: batches, seconds: clock.now() - start)
        }
        let testLoader = Loader(dataset: test, batchSize: batch, shuffle: false, seed: 0)
        var best = 0.0
        for pass in 0..<2 {
            // The second pass is profiled, when asked: forward only, in evaluation mode.
            let profiled = profile && pass == 1
            if profiled { trainer.network.profile = Network.Profile(nodes: trainer.network.nodes.count, clock: clock) }
            let t0 = clock.now()
            var batches = 0
            for b in testLoader.epoch(0) { _ = try trainer.logits(b.images, mode: .evaluation); batches += 1 }
            let seconds = clock.now() - t0
            best = max(best, Double(test.count) / seconds)
            if profiled, let layerTimes = trainer.network.profile {
                trainer.network.profile = nil
                print("inference:")
                printProfile(layerTimes, network: trainer.network, batches: batches, seconds: seconds, inference: true)
            }
        }
        return ["model": name, "train_img_s": trainRate, "infer_img_s": best, "peak_rss_mib": peakResidentMiB(),
                "threads": Parallel.threads, "batch": batch, "data": source, "clock": clock.rawValue]
    }

    func printProfile(_ profile: Network.Profile, network: Network, batches: Int, seconds: Double, inference: Bool = false) {
        let perBatch = 1000 / Double(max(1, batches))
        func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        print(padded("node", 10) + padded("layer", 14) + "    fwd ms    bwd ms")
        for (i, node) in network.nodes.enumerated() {
            print(padded(node.name, 10) + padded(node.layer.kind, 14)
                  + String(format: "%10.3f%10.3f", profile.forward[i] * perBatch, profile.backward[i] * perBatch))
        }
        let fwd = profile.forward.reduce(0, +), bwd = profile.backward.reduce(0, +)
        if inference {
            print(String(format: "layers %.3f ms of %.3f ms per batch (the rest: data)", fwd * perBatch, seconds * perBatch))
        } else {
            print(String(format: "layers %.3f ms + %.3f ms of %.3f ms per batch (the rest: loss, optimizer, data)",
                         fwd * perBatch, bwd * perBatch, seconds * perBatch))
        }
    }

    func runAccuracy(_ names: [String]) throws {
        let L = Messages.language
        let sets = try DataSets.load("fashion-mnist")
        let seedList = seeds.split(separator: ",").compactMap { UInt64($0) }
        let thresholds = ["fnn-small": 0.866, "cnn-lenet": 0.870, "cnn-medium": 0.897]
        for name in names where name != "cnn-cifar" {
            var accuracies: [Double] = []
            for seed in seedList {
                var options = TrainingOptions()
                options.epochs = epochs
                options.seed = seed
                let analysis = try ModelSource(name).analyze()
                let trainer = try Trainer(analysis: analysis, options: options)
                let loader = sets.loader(.train, batchSize: 64, seed: seed, augment: false)
                let t0 = Date()
                try trainer.train(trainBatches: { loader.batches(epoch: $0) }, batchesPerEpoch: loader.batchCount,
                                  evaluate: nil, observe: { _ in })
                let evaluation = try trainer.evaluateTestSet(of: sets)
                accuracies.append(evaluation.accuracy)
                print(String(format: "%@ seed %d: test accuracy %.4f after %d epochs (%.0f s)", name, Int(seed),
                             evaluation.accuracy, epochs, Date().timeIntervalSince(t0)))
                fflush(stdout)
            }
            if let bar = thresholds[name], let worst = accuracies.min() {
                print(String(format: "%@: lowest %.4f, bar %.3f → %@", name, worst, bar,
                             worst >= bar ? L.pick(es: "cumple", en: "meets it") : L.pick(es: "NO cumple", en: "FAILS")))
            }
        }
    }
}

/// Peak resident memory of this process, in MiB (VmHWM).
func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kib = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kib / 1024
    }
    return 0
}

extension BenchClock: ExpressibleByArgument {}
