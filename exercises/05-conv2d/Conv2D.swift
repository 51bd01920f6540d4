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
    notImplemented("conv2d")
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
    notImplemented("conv2dGroups")
}
