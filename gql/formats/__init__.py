"""The file formats: what `gql load` reads and what `gql export` writes."""
