package data

// Panic messages of the package. Returned errors (Images.Validate) have their
// formats here too.
const (
	errBatchSize     = "data: batch size %d, want at least 1"
	errDropLast      = "data: batch size %d with DropLast exceeds the dataset's %d examples: an epoch would have no batch"
	errEmpty         = "data: the dataset has no examples"
	errShape         = "data: example shape %v: want at least one dimension, each at least 1"
	errNormLen       = "data: normalization with %d means for an example of shape %v: want %d (per pixel) or %d (per channel)"
	errStdLen        = "data: normalization with %d means and %d stds: want equal lengths, or Std nil"
	errNormData      = "data: Normalization.Apply of %d values with shape %v (%d elements)"
	errAugmentShape  = "data: augmentation needs C×H×W examples, got shape %v"
	errCropPad       = "data: Augment.CropPad is %d, want at least 0"
	errAugmentData   = "data: Augment.Apply with %d source and %d destination values for shape %v (%d elements)"
	errExampleLen    = "data: Images.Example: dst has %d values, an example of shape %v has %d"
	errExampleIndex  = "data: Images.Example: index %d out of range [0, %d)"
	errSubset        = "data: Images.Subset(%d): want n at least 0"
	errShardReplicas = "data: Shard with %d replicas, want at least 1"
	errShardRank     = "data: Shard rank %d out of range [0, %d)"
	errShardEmpty    = "data: Shard with DropLast of %d examples over %d replicas leaves each replica none"
	errSeek          = "data: Loader.Seek(%d): want a step at least 0"
	errClosed        = "data: Next on a closed Loader"
	errValidateDims  = "data: images of %d×%d×%d: every dimension must be at least 1"
	errValidateSize  = "data: %d labels need %d pixel values (%d×%d×%d each), found %d"
	errValidateNum   = "data: NumClasses is %d, want at least 1"
	errValidateLabel = "data: label %d of example %d is not below NumClasses %d"
	errValidateNames = "data: %d class names for %d classes"
)
