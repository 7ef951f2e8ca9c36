package gateway

// QueuePeak returns the most bytes any session of g has had counted
// against Config.SendQueueBytes.
func QueuePeak(g *Gateway) int64 { return g.queuePeak.Load() }
