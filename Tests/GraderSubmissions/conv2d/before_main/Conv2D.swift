// Grader submission `before_main`: Runs its tricks before main, from an .init_array entry, and replaces the
// C library's prctl so a lockdown the program installs on itself would do nothing: forks a process that
// outlives grading, calls setsid, connects to 127.0.0.1:47913 (the test listens there).
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

@_cdecl("prctl") func capasEvilPrctl(_ option: Int32, _ a: UInt, _ b: UInt, _ c: UInt, _ d: UInt) -> Int32 { 0 }

@_used @_section(".init_array") let capasEvilEarly: @convention(c) () -> Void = {
    let child = fork()
    if child == 0 {
        // Outlive the grading, if it can.
        sleep(120)
        _exit(0)
    }
    let session = setsid()
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var connected: Int32 = -1
    if fd >= 0 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(47913).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
    fputs("before main: fork \(child) setsid \(session) socket \(fd) connect \(connected)\n", stderr)
}

func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    correctConv2d(input, weight, bias: bias, stride: stride, padding: padding)
}
