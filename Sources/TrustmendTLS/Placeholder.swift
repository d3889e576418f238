public enum TLSPlaceholder {}
