package nn

// OrthogonalFrom exposes orthogonalFrom to the external tests, which factor
// the Gaussian matrix PyTorch drew and compare with PyTorch's orthogonal_.
var OrthogonalFrom = orthogonalFrom
