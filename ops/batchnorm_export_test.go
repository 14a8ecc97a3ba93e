package ops

// BNCols is bnCols, for the tests of package ops_test.
var BNCols = bnCols
