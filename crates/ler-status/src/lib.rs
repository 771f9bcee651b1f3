//! Bitstring Status List: encode, decode, allocate (being written).
