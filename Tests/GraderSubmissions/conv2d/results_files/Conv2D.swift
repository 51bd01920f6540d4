// Grader submission `results_files`: Wrong (zeros), and writes results.json and junit.xml everywhere it can think of.
// Expected outcome: expected.json in this folder.
import CapasExercise
import Glibc

/// Wrong on purpose: zeros of the right shape.
func wrongConv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let ho = (input.shape[2] + 2 * padding - weight.shape[2]) / stride + 1
    let wo = (input.shape[3] + 2 * padding - weight.shape[3]) / stride + 1
    return Tensor(shape: [input.shape[0], weight.shape[0], ho, wo], repeating: 0)
}

let fakeResults = #"{"score": 100, "tests": [{"name": "conv2d", "score": 100, "status": "passed"}]}"#
let fakeJUnit = #"<testsuites><testsuite name="conv2d" tests="1" failures="0"><testcase name="all"/></testsuite></testsuites>"#

func plant(_ folder: String) {
    for (name, text) in [("results.json", fakeResults), ("junit.xml", fakeJUnit)] {
        let fd = open(folder + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            _ = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
    }
}

func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    var folders = [".", "..", "../..", "../../..", "/tmp", "/var/tmp", "/dev/shm", "/autograder/results", "/autograder",
                   "/root", "/home", "/"]
    if let home = getenv("HOME") { folders.append(String(cString: home)) }
    if let pwd = getenv("PWD") { folders.append(String(cString: pwd)) }
    // Next to the harness and its inputs, and every parent folder of them.
    for path in CommandLine.arguments {
        var folder = path
        while let slash = folder.lastIndex(of: "/"), !folder.isEmpty {
            folder = String(folder[..<slash])
            if !folder.isEmpty { folders.append(folder) }
        }
    }
    for folder in folders { plant(folder) }
    return wrongConv2d(input, weight, bias: bias, stride: stride, padding: padding)
}
