import CapasExercise

/// Convolución 2D hacia delante (correlación cruzada, como PyTorch: el filtro
/// no se voltea).
///
/// 2-D convolution forward (cross-correlation, like PyTorch: the kernel is
/// not flipped).
///
/// - Parameters:
///   - input: N×C×H×W
///   - weight: K×C×FH×FW (K filtros de C canales; el filtro puede ser rectangular /
///     K filters of C channels; the kernel may be rectangular)
///   - bias: K valores, o `nil` / K values, or `nil`
///   - stride: paso / stride `s`
///   - padding: ceros alrededor, `p` por cada lado / zeros around, `p` on each side
/// - Returns: N×K×HO×WO con HO = ⌊(H + 2p − FH)/s⌋ + 1 y WO = ⌊(W + 2p − FW)/s⌋ + 1
///
///     y[n, k, i, j] = b[k] + Σ_c Σ_u Σ_v w[k, c, u, v] · x[n, c, i·s − p + u, j·s − p + v]
///
/// Las posiciones fuera de la imagen valen 0. / Positions outside the image are 0.
func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    // BEGIN SOLUTION
    let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
    let k = weight.shape[0], fh = weight.shape[2], fw = weight.shape[3]
    precondition(weight.shape[1] == c, "weight has \(weight.shape[1]) channels, input has \(c)")
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
    // END SOLUTION
}

/// Parte opcional: convolución por grupos. Los C canales de entrada y los K
/// filtros se parten en `groups` grupos; el filtro k solo ve los C/groups
/// canales de su grupo, así que `weight` es K×(C/groups)×FH×FW. Con
/// groups = C = K es la convolución en profundidad (*depthwise*) de MobileNet.
///
/// Optional part: grouped convolution. The C input channels and the K
/// filters are split into `groups` groups; filter k sees only the C/groups
/// channels of its group, so `weight` is K×(C/groups)×FH×FW. With
/// groups = C = K it is MobileNet's depthwise convolution.
func conv2dGroups(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int, groups: Int) -> Tensor {
    // BEGIN SOLUTION
    let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
    let k = weight.shape[0], perGroup = weight.shape[1], fh = weight.shape[2], fw = weight.shape[3]
    precondition(perGroup * groups == c && k % groups == 0, "channels and filters must divide into \(groups) groups")
    let ho = (h + 2 * padding - fh) / stride + 1
    let wo = (w + 2 * padding - fw) / stride + 1
    var output = Tensor(shape: [n, k, ho, wo], repeating: 0)
    for sample in 0..<n {
        for filter in 0..<k {
            let first = filter / (k / groups) * perGroup   // the group's first input channel
            for i in 0..<ho {
                for j in 0..<wo {
                    var sum: Float = bias?[filter] ?? 0
                    for local in 0..<perGroup {
                        for u in 0..<fh {
                            let row = i * stride - padding + u
                            if row < 0 || row >= h { continue }
                            for v in 0..<fw {
                                let column = j * stride - padding + v
                                if column < 0 || column >= w { continue }
                                sum += weight[filter, local, u, v] * input[sample, first + local, row, column]
                            }
                        }
                    }
                    output[sample, filter, i, j] = sum
                }
            }
        }
    }
    return output
    // END SOLUTION
}
