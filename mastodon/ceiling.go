package mastodon

// ceilingRoutes serves the load tool's ceiling page (see Config.Ceiling).
func (s *Server) ceilingRoutes() {}
