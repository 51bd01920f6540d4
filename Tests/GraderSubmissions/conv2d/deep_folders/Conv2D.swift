// Grader submission `deep_folders`: Leaves a chain of 3,000 nested folders (deeper than PATH_MAX allows
// to name) and a folder with mode 000 in its working directory, for the grader to clean up.
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

nonisolated(unsafe) var planted = false

func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    if !planted {
        planted = true
        let start = open(".", O_RDONLY | O_DIRECTORY)
        var current = start
        for _ in 0..<3000 {
            guard mkdirat(current, "dddddddd", 0o755) == 0 else { break }
            let next = openat(current, "dddddddd", O_RDONLY | O_DIRECTORY)
            if current != start { close(current) }
            guard next >= 0 else { break }
            current = next
        }
        if current != start { close(current) }
        mkdir("locked", 0o755)
        _ = open("locked/file", O_CREAT | O_WRONLY, 0o644)
        chmod("locked", 0)
    }
    return correctConv2d(input, weight, bias: bias, stride: stride, padding: padding)
}
