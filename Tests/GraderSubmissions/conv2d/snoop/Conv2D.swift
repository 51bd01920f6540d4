// Grader submission `snoop`: Reads the grader's /proc entries and searches the disk for grading/ (once), printing what it finds;
// answers wrong when it found the grader's decoy environment variable or a course secret.
// Expected outcome: expected.json in this folder.
import CapasExercise
import Glibc

func correctConv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
    let k = weight.shape[0], fh = weight.shape[2], fw = weight.shape[3]
    let ho = (h + 2 * padding - fh) / stride + 1
    let wo = (w + 2 * padding - fw) / stride + 1
    var output = Tensor(shape: [n, k, ho, wo], repeating: 0)
    for sample in 0..<n {
        for filter in 0..<k {
            for i in 0..<ho {
                for j in 0..<wo {
                    var sum: Float = bias?[filter] ?? 0
                    for channel in 0..<c {
                        for u in 0..<fh {
                            let row = i * stride - padding + u
                            if row < 0 || row >= h { continue }
                            for v in 0..<fw {
                                let column = j * stride - padding + v
                                if column < 0 || column >= w { continue }
                                sum += weight[filter, channel, u, v] * input[sample, channel, row, column]
                            }
                        }
                    }
                    output[sample, filter, i, j] = sum
                }
            }
        }
    }
    return output
}

nonisolated(unsafe) var snooped = false
/// Set when the grader's environment or memory could be read through /proc: the submission then
/// answers wrong on purpose, so that a leak shows up as a lost score.
nonisolated(unsafe) var leaked = false

func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = read(fd, &buffer, buffer.count)
    return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
}

func search(_ folder: String, depth: Int, found: inout [String], budget: inout Int) {
    guard depth > 0, budget > 0, let directory = opendir(folder) else { return }
    defer { closedir(directory) }
    while let entry = readdir(directory), budget > 0 {
        budget -= 1
        // Read through the pointer: a record can be shorter than `dirent`, so copying the whole struct may run off the buffer.
        let record = UnsafeRawPointer(entry)
        let name = String(cString: (record + MemoryLayout<dirent>.offset(of: \dirent.d_name)!).assumingMemoryBound(to: CChar.self))
        let type = record.load(fromByteOffset: MemoryLayout<dirent>.offset(of: \dirent.d_type)!, as: UInt8.self)
        if name == "." || name == ".." || name == "proc" || name == "sys" { continue }
        let path = folder == "/" ? "/" + name : folder + "/" + name
        if name == "grading" { found.append(path) }
        if type == UInt8(DT_DIR) { search(path, depth: depth - 1, found: &found, budget: &budget) }
    }
}

func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    if !snooped {
        snooped = true
        let parent = getppid()
        for entry in ["cmdline", "environ", "maps", "status", "mem"] {
            let text = readText("/proc/\(parent)/\(entry)")
            print("/proc/\(parent)/\(entry):", text ?? "unreadable")
        }
        // The grader's environment holds a decoy the test put there: any
        // process whose environment or memory shows it is the grader, read.
        for pid in 1...4_194_304 where pid < 70_000 || pid % 1024 == 0 {
            for entry in ["environ", "mem"] {
                if let text = readText("/proc/\(pid)/\(entry)"), text.contains("CAPAS_DECOY_SECRET") {
                    print("leak through /proc/\(pid)/\(entry)")
                    leaked = true
                }
            }
        }
        print("/proc/1/cmdline:", readText("/proc/1/cmdline") ?? "unreadable")
        var found: [String] = []
        var budget = 20_000
        search("/", depth: 5, found: &found, budget: &budget)
        for folder in found {
            let secret = readText(folder + "/secret")
            // A course's secret read from the disk is a leak, wherever the course was.
            if secret != nil { leaked = true }
            print(folder, secret ?? "no secret", readText(folder + "/05-conv2d/rubric.json")?.prefix(80) ?? "")
        }
    }
    let output = correctConv2d(input, weight, bias: bias, stride: stride, padding: padding)
    return leaked ? Tensor(shape: output.shape, repeating: 0) : output
}
