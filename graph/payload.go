package graph

// payload answers a mutation: its payload, or the error alone, so that a
// failed field is null with its error and no half-filled payload.
func payload[P any](p *P, err error) (*P, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}
