// The classic chain-shaped CNNs: LeNet-5, AlexNet and VGG-16. AlexNet and
// VGG-16 are torchvision's: the same layers, parameters and multiply-adds
// (torchinfo's, 224x224x3 input, batch 1).

extension Presets {
    /// 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 parameters.
    public static let lenet5 = """
    # LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998), as taught: tanh
    # activations, average pooling, and dense layers where the paper had
    # partly connected C3 and an RBF output (the usual simplifications).
    input 32x32x1
    conv 6 5x5 tanh        # C1: 32x32x1 → 28x28x6, (5·5·1 + 1)·6 = 156 parameters
    avgpool 2              # S2: → 14x14x6
    conv 16 5x5 tanh       # C3: → 10x10x16, (5·5·6 + 1)·16 = 2,416
    avgpool 2              # S4: → 5x5x16
    flatten                # 5·5·16 = 400 values
    dense 120 tanh         # C5: (400 + 1)·120 = 48,120
    dense 84 tanh          # F6: (120 + 1)·84 = 10,164
    dense 10               # output: (84 + 1)·10 = 850; 61,706 parameters in all

    """

    /// torchvision's alexnet: 61,100,840 parameters, 714,682,664 multiply-adds (torchinfo).
    public static let alexnet = """
    # AlexNet (Krizhevsky, Sutskever and Hinton, 2012) as in torchvision: the
    # one-GPU version with 64, 192, 384, 256, 256 filters (the paper split
    # 96, 256, 384, 384, 256 over two GPUs), without local response normalization.
    input 224x224x3

    # features: five convolutions, three overlapping 3x3 max poolings
    conv 64 11x11 stride=4 pad=2 relu      # 224 → ⌊(224 + 4 − 11)/4⌋ + 1 = 55
    maxpool 3 stride=2                     # 55 → 27
    conv 192 5x5 pad=2 relu
    maxpool 3 stride=2                     # 27 → 13
    conv 384 3x3 pad=1 relu
    conv 256 3x3 pad=1 relu
    conv 256 3x3 pad=1 relu
    maxpool 3 stride=2                     # 13 → 6: 6x6x256
    # torchvision's AdaptiveAvgPool2d((6, 6)) comes here: at 224x224 its input
    # is already 6x6, so it is the identity (0 parameters, 0 multiply-adds)

    # classifier: 58.6 of the 61.1 million parameters are in these three layers
    flatten                                # 6·6·256 = 9,216 values
    dropout 0.5
    dense 4096 relu                        # (9,216 + 1)·4,096 = 37,752,832 parameters
    dropout 0.5
    dense 4096 relu
    dense 1000

    """

    /// torchvision's vgg16: 138,357,544 parameters, 15,483,821,032 multiply-adds (torchinfo).
    public static let vgg16 = """
    # VGG-16 (Simonyan and Zisserman, 2014), configuration D, as in torchvision:
    # thirteen 3x3 convolutions with pad=1 (the size is kept) and five 2x2 max
    # poolings (the size is halved), then three dense layers.
    # Two stacked 3x3 convolutions see 5x5 and three see 7x7, with fewer
    # parameters than one 7x7 and more nonlinearities.
    input 224x224x3

    # block 1: 224x224
    conv 64 3x3 pad=1 relu
    conv 64 3x3 pad=1 relu
    maxpool 2                              # → 112x112x64

    # block 2
    conv 128 3x3 pad=1 relu
    conv 128 3x3 pad=1 relu
    maxpool 2                              # → 56x56x128

    # block 3
    conv 256 3x3 pad=1 relu
    conv 256 3x3 pad=1 relu
    conv 256 3x3 pad=1 relu
    maxpool 2                              # → 28x28x256

    # block 4
    conv 512 3x3 pad=1 relu
    conv 512 3x3 pad=1 relu
    conv 512 3x3 pad=1 relu
    maxpool 2                              # → 14x14x512

    # block 5
    conv 512 3x3 pad=1 relu
    conv 512 3x3 pad=1 relu
    conv 512 3x3 pad=1 relu
    maxpool 2                              # → 7x7x512
    # torchvision's AdaptiveAvgPool2d((7, 7)) comes here: at 224x224 its input
    # is already 7x7, so it is the identity (0 parameters, 0 multiply-adds)

    # classifier: the first dense layer alone has (25,088 + 1)·4,096 =
    # 102,764,544 parameters, three quarters of the model
    flatten                                # 7·7·512 = 25,088 values
    dense 4096 relu
    dropout 0.5
    dense 4096 relu
    dropout 0.5
    dense 1000

    """
}
