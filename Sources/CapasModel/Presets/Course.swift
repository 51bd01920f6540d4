// The course's small models, which train in seconds to minutes on
// FashionMNIST and CIFAR-10; also the benchmark's reference models (the same
// as PyTorch's in bench/torch_bench.py).

extension Presets {
    public static let fnnSmall = """
    # A fully connected network for FashionMNIST: 784 → 200 → 10.
    input 28x28x1
    flatten
    dense 200 relu
    dense 10

    """

    public static let fnnDeep = """
    # A deeper fully connected network: 784 → 256 → 128 → 10.
    input 28x28x1
    flatten
    dense 256 relu
    dense 128 relu
    dense 10

    """

    public static let cnnLenet = """
    # The course's LeNet-style CNN for FashionMNIST.
    input 28x28x1
    conv 10 5x5
    relu
    maxpool 2
    conv 20 5x5
    relu
    maxpool 2
    flatten
    dense 50
    relu
    dense 10

    """

    public static let cnnMedium = """
    # Two 3x3 convolution stages with "same" padding, then a dense head with dropout.
    input 28x28x1
    conv 32 3x3 pad=1 relu
    maxpool 2
    conv 64 3x3 pad=1 relu
    maxpool 2
    flatten
    dense 128 relu
    dropout 0.5
    dense 10

    """

    public static let cnnCifar = """
    # A VGG-style CNN for CIFAR-10 (32x32 colour images).
    input 32x32x3
    conv 32 3x3 pad=1 relu
    conv 32 3x3 pad=1 relu
    maxpool 2
    conv 64 3x3 pad=1 relu
    conv 64 3x3 pad=1 relu
    maxpool 2
    flatten
    dense 256 relu
    dropout 0.5
    dense 10

    """
}
